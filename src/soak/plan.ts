import type { SoakConfig } from '../config/schema.ts';
import { ShakedownError } from '../errors.ts';
import type { SoakOptions } from './define.ts';

/** Everything a soak run needs to know, resolved and in ms; plain data so worker threads get a copy. */
export interface SoakPlan {
  durationMs: number;
  sessions: number;
  rampUpMs: number;
  rampDownMs: number;
  eventsPerSec: number;
  warmupMs: number;
  /** Where verdict windows start: after both warm-up and ramp-up. */
  steadyFromMs: number;
  /** Where they end: before ramp-down. */
  steadyToMs: number;
  windowMs: number;
  sessionLifetimeMs: number;
  ackTimeoutMs: number;
  maxLostRate: number;
  maxUnexpectedDisconnects: number;
  leak: { maxSlopeBytesPerMin: number; maxGrowthPct: number; settleRatio: number };
  drift: { maxFactor: number; minDeltaMs: number };
  generator: { maxEventLoopP99Ms: number; maxCpuPct: number; maxOverloadedWindowsPct: number };
  sessionsHeldPct: number;
  loopbackSources: number;
  workers: number;
}

const MiB = 1024 * 1024;

/**
 * Precedence: engine defaults < the script's options < the config's `soak` section (with the chosen
 * profile merged in) < `--workers`. The config wins because it is where a run is tuned (quick/full).
 */
export function resolvePlan(script: SoakOptions, config: SoakConfig, workersFlag?: number): SoakPlan {
  const pick = <K extends keyof SoakOptions>(key: K): SoakOptions[K] =>
    (config[key as keyof SoakConfig] as SoakOptions[K]) ?? script[key];
  const durationSec = pick('durationSec') ?? 900;
  const warmupSec = pick('warmupSec') ?? Math.min(60, durationSec / 5);
  const rampUpSec = pick('rampUpSec') ?? Math.min(10, warmupSec);
  const rampDownSec = pick('rampDownSec') ?? 0;
  const windowSec = pick('windowSec') ?? 10;
  const leak = { ...script.leak, ...config.leak };
  const drift = { ...script.drift, ...config.drift };
  const generator = { ...script.generator, ...config.generator };

  const plan: SoakPlan = {
    durationMs: durationSec * 1000,
    sessions: pick('sessions') ?? 10,
    rampUpMs: rampUpSec * 1000,
    rampDownMs: rampDownSec * 1000,
    eventsPerSec: pick('eventsPerSec') ?? 2,
    warmupMs: warmupSec * 1000,
    steadyFromMs: Math.max(warmupSec, rampUpSec) * 1000,
    steadyToMs: (durationSec - rampDownSec) * 1000,
    windowMs: windowSec * 1000,
    sessionLifetimeMs: (pick('sessionLifetimeSec') ?? 60) * 1000,
    ackTimeoutMs: pick('ackTimeoutMs') ?? 5000,
    maxLostRate: pick('maxLostRate') ?? 0,
    maxUnexpectedDisconnects: pick('maxUnexpectedDisconnects') ?? 0,
    leak: {
      maxSlopeBytesPerMin: leak.maxSlopeBytesPerMin ?? MiB,
      maxGrowthPct: leak.maxGrowthPct ?? 10,
      settleRatio: leak.settleRatio ?? 0.6,
    },
    drift: { maxFactor: drift.maxFactor ?? 1.5, minDeltaMs: drift.minDeltaMs ?? 5 },
    generator: {
      maxEventLoopP99Ms: generator.maxEventLoopP99Ms ?? 50,
      maxCpuPct: generator.maxCpuPct ?? 90,
      maxOverloadedWindowsPct: generator.maxOverloadedWindowsPct ?? 10,
    },
    sessionsHeldPct: pick('sessionsHeldPct') ?? 5,
    loopbackSources: pick('loopbackSources') ?? 0,
    workers: workersFlag ?? config.workers,
  };
  const problems = planProblems(plan);
  if (problems.length > 0) {
    throw new ShakedownError(
      'SHK_CONFIG_INVALID',
      `the soak's options (script options merged with the config's soak section) do not fit together:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  return plan;
}

function planProblems(plan: SoakPlan): string[] {
  const sec = (ms: number) => `${ms / 1000} s`;
  const problems: string[] = [];
  if (plan.windowMs > plan.durationMs)
    problems.push(
      `soak.windowSec (${sec(plan.windowMs)}) is longer than soak.durationSec (${sec(plan.durationMs)})`,
    );
  if (plan.rampUpMs + plan.rampDownMs > plan.durationMs)
    problems.push(
      `soak.rampUpSec + soak.rampDownSec (${sec(plan.rampUpMs + plan.rampDownMs)}) exceed soak.durationSec (${sec(plan.durationMs)})`,
    );
  if (plan.steadyFromMs >= plan.steadyToMs)
    problems.push(
      `warm-up and ramp-up end at ${sec(plan.steadyFromMs)} but ramp-down starts at ${sec(plan.steadyToMs)}: nothing is left to judge; shorten soak.warmupSec or lengthen soak.durationSec`,
    );
  if (plan.workers > plan.sessions)
    problems.push(`soak.workers (${plan.workers}) is more than soak.sessions (${plan.sessions})`);
  return problems;
}
