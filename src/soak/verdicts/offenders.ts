/** How many offending windows a verdict keeps as evidence, however long the soak runs. */
export const OFFENDERS_KEPT = 20;

/** A window named in evidence: its bounds and what made it count. */
export interface WindowNote {
  startMs: number;
  endMs: number;
  [key: string]: number;
}
