// Child process of `npm run bench -- --schedule` (bench/schedule.mjs): trains the notebook's
// model through its whole schedule in this one process, as `branchnet train` does (trainModel:
// data check, VGG16 split model, augmentation on, validation every epoch, a checkpoint after
// every epoch), and prints one `BENCH_RESULT {json}` line: seconds per phase, split into
// training steps, validation and the rest (batch assembly, checkpoints), training images/s.
//   node bench/schedule_ours.mjs --data DIR --epochs 10,5 --steps 100 --val-steps 20 --batch 20 --threads 2
// BRANCHNET_VAL_CACHE=0 in the environment turns lever 1 off (validation features computed every epoch).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, peakRssMb } from './guard.mjs';

const t0 = performance.now();
const dist = new URL('../dist/', import.meta.url);
const { trainModel } = await import(new URL('train/train.js', dist));
const { valCacheEnabled } = await import(new URL('core/defaults.js', dist));

const a = parseArgs(process.argv.slice(2));
const [e1, e2] = String(a.epochs ?? '10,5').split(',').map(Number);
const steps = Number(a.steps ?? 100), valSteps = Number(a['val-steps'] ?? 20), batch = Number(a.batch ?? 20);
const threads = Number(a.threads ?? os.availableParallelism());
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'branchnet-schedule-'));
const now = () => performance.now() / 1000;
const notes = [];
const phases = [];
let cur = null, epochT = 0, lastBatchT = 0;
const callbacks = {
  onPhaseBegin: ({ phase }) => { cur = { name: phase.name, epochs: phase.epochs, steps: phase.stepsPerEpoch, val_steps: phase.validationSteps, val_s: 0 }; },
  onEpochBegin: () => { epochT = now(); lastBatchT = epochT; },
  onBatchEnd: () => { lastBatchT = now(); },
  onEpochEnd: () => { cur.val_s += now() - lastBatchT; },
  onPhaseEnd: ({ result }) => {
    const trainImages = result.epochs * cur.steps * batch;
    const trainS = result.imagesPerSecond > 0 ? trainImages / result.imagesPerSecond : 0;
    const last = Object.fromEntries(Object.entries(result.history).filter(([k]) => k.startsWith('val_') && k.endsWith('_acc')).map(([k, v]) => [k, v.at(-1)]));
    phases.push({ ...cur, seconds: result.seconds, train_s: trainS, train_img_s: result.imagesPerSecond, other_s: result.seconds - trainS - cur.val_s, final: last });
  },
};
let r;
try {
  const config = {
    model: { backbone: { backbone: 'vgg16', allowUntrained: true } },
    data: { batchSize: batch },
    phases: [{ epochs: e1, stepsPerEpoch: steps, validationSteps: valSteps }, { epochs: e2, stepsPerEpoch: steps, validationSteps: valSteps }],
  };
  const tTrain = now();
  const trained = await trainModel({
    data: String(a.data), out: path.join(out, 'model'), config, backend: { threads }, callbacks,
    log: (m) => { if (/validation features:|frozen layer/.test(m)) notes.push(m.trim()); },
  });
  const total = (performance.now() - t0) / 1000;
  const phaseSum = phases.reduce((s, p) => s + p.seconds, 0);
  r = {
    available: true, fw: 'branchnet', val_cache: valCacheEnabled(), threads, batch,
    data: { train: trained.split.train.length, val: trained.split.val.length },
    backend: trained.backend.name, setup_s: now() - tTrain - phaseSum, total_s: total, phases, notes, rss_mb: peakRssMb(),
  };
  trained.model.dispose();
} finally {
  fs.rmSync(out, { recursive: true, force: true });
}
console.log('BENCH_RESULT ' + JSON.stringify(r));
process.exit(0);
