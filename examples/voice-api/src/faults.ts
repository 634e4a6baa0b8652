// Planted bugs, switched on by VOICE_API_FAULTS=a,b. FAULTS.md says what each one breaks and which
// Shakedown check must catch it. Kept free of heavy imports: env validation loads it before anything else.
export const FAULT_NAMES = [
  'rate-limit-off',
  'rate-limit-xff',
  'rate-limit-no-retry-after',
  'rate-limit-health',
  'rate-limit-memory-store',
  'rate-limit-global-key',
  'rate-limit-race',
  'rate-limit-short-retry-after',
  'rate-limit-inconsistent-headers',
  'webhook-no-dedupe',
  'webhook-stale-ok',
  'webhook-reserialize',
  'webhook-500-on-malformed',
  'webhook-no-verify',
  'webhook-first-signature-only',
  'webhook-echo-signature',
  'webhook-accept-v0',
  'webhook-short-tolerance',
  'webhook-reject-all',
  'shutdown-abrupt',
  'shutdown-no-readiness',
  'shutdown-hang',
  'shutdown-accept-hang',
  'shutdown-second-signal-exit',
  'readiness-ignores-redis',
  'contract-drift',
  'contract-undocumented-status',
  'contract-writeonly-leak',
  'contract-wrong-content-type',
  'contract-missing-header',
  'contract-broken-link',
  'contract-method-fallthrough',
  'contract-no-validation',
  'auth-off',
  'headers-off',
  'cors-reflect',
  'cors-no-vary',
  'health-auth',
  'health-leak',
  'body-limit-off',
  'soak-leak',
  'soak-drift',
  'soak-drop',
  'soak-stall',
  'soak-session-cap',
  'load-stall',
  'load-overload-503',
  'load-latency-leak',
  'secret-placeholder-ok',
] as const;

export type FaultName = (typeof FAULT_NAMES)[number];
export type Faults = ReadonlySet<FaultName>;

export interface ParsedFaults {
  faults: Faults;
  unknown: string[];
}

export function parseFaults(list: string | undefined): ParsedFaults {
  const names = (list ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  const known = new Set<string>(FAULT_NAMES);
  return {
    faults: new Set(names.filter((name) => known.has(name)) as FaultName[]),
    unknown: names.filter((name) => !known.has(name)),
  };
}
