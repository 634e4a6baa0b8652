/**
 * A load worker thread: plays its share of the open model's timetable (every `workers`-th request) or
 * of the closed model's connections, and hands over one window of metrics, plus the responses kept
 * for validation, whenever the main thread asks. It never writes anything itself.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { GeneratorMonitor, starve } from '../soak/generator-monitor.ts';
import { ClosedModel } from './closed-model.ts';
import { weightedSequence } from './mix.ts';
import { OpenModel } from './open-model.ts';
import type { FromLoadWorker, LoadWorkerInit, ToLoadWorker } from './protocol.ts';
import { LoadRecording } from './recording.ts';

const port = parentPort!;
const init = workerData as LoadWorkerInit;
const post = (message: FromLoadWorker) => port.postMessage(message);

const LIVE_EVERY_MS = 1_000;
const STOP_GRACE_MS = 5_000;

const recording = new LoadRecording(init.routes, init.plan.validateEvery);
const monitor = new GeneratorMonitor();
const sequence = weightedSequence(init.routes);
const model =
  init.plan.model === 'open'
    ? new OpenModel(init, recording, sequence)
    : new ClosedModel(init, recording, sequence);
let liveTimer: NodeJS.Timeout | undefined;
let starving: { stop(): void } | undefined;
let finished = false;

port.on('message', (message: ToLoadWorker) => {
  switch (message.type) {
    case 'start':
      if (init.starveMs > 0) starving = starve(init.starveMs);
      liveTimer = setInterval(() => post({ type: 'live', live: { ...recording.live } }), LIVE_EVERY_MS);
      void model.run(message.epochMs).then(finish, (error: unknown) => {
        post({ type: 'log', level: 'error', message: `load worker ${init.workerIndex}: ${String(error)}` });
        void finish();
      });
      break;
    case 'window': {
      const usage = monitor.take();
      const { metrics } = recording;
      metrics.gauge('generator_cpu_pct', usage.cpuPct);
      metrics.gauge('generator_event_loop_p99_ms', usage.eventLoopP99Ms);
      metrics.gauge('generator_event_loop_max_ms', usage.eventLoopMaxMs);
      metrics.gauge('http_reqs_in_flight', recording.live.inFlight);
      // Present (at 0) in every open-model window, so `dropped_requests: ['count<1']` can hold.
      if (init.plan.model === 'open') metrics.add('dropped_requests', 0);
      const samples = recording.takeSamples();
      if (samples.length > 0) post({ type: 'samples', samples });
      post({ type: 'window', id: message.id, raw: metrics.take() });
      break;
    }
    case 'stop':
      void finish();
      break;
  }
});

/** The end of this worker's share, or a stop from the main thread: cut off, flush, say so once. */
async function finish(): Promise<void> {
  if (finished) return;
  finished = true;
  await model.stop(STOP_GRACE_MS);
  clearInterval(liveTimer);
  starving?.stop();
  monitor.stop();
  post({ type: 'live', live: { ...recording.live } });
  post({ type: 'stopped' });
}

post({ type: 'ready' });
