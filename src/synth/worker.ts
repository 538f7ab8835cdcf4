/**
 * Worker-thread entry: renders the jobs it is given and reports each image's parameters.
 * Only used from the compiled package (dist/synth/worker.js); from sources the generator
 * renders in-process, with identical output.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type Job, runJobs } from './jobs.js';

const { out, jobs } = workerData as { out: string; jobs: Job[] };
runJobs(out, jobs, (r) => parentPort?.postMessage({ kind: 'done', result: r }))
  .then(() => parentPort?.postMessage({ kind: 'end' }))
  .catch((e: unknown) => parentPort?.postMessage({ kind: 'error', message: e instanceof Error ? e.stack ?? e.message : String(e) }));
