/**
 * `demo()` (what `npm start` runs through `branchnet demo`): the whole product on the embedded synthetic data.
 * Generate the default set (cached), train the split model, predict the test set — every
 * combination of the 3 × 3 grid, three of them never seen in training — and print accuracy
 * per head on seen and unseen combinations, with the history plot and a prediction grid.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describeBackend } from '../core/backend.js';
import { initBackend } from '../onnx/backend.js';
import { DEMO_MODELS, QUICK_PRESET, type PartialTrainConfig } from '../core/defaults.js';
import { synthesize } from '../synth/index.js';
import { train } from './train.js';
import { Predictor } from '../eval/predict.js';
import { evaluate, gridCells, type EvalResult } from '../eval/evaluate.js';
import { evaluateMetrics, type Metrics } from '../eval/metrics.js';
import { writeReport, type ReportModel } from '../eval/report.js';
import { formatRate, pct, textTable } from '../eval/format.js';
import { renderPredictionGrid } from '../plot/grid.js';
import type { FitCallbacks } from '../train/fit.js';
import type { BackendRequest } from '../core/backend.js';
import type { InferenceEngine } from '../eval/predict.js';

export interface DemoOptions {
  /** Folder for the data, both models and the report. */
  out: string;
  /** The quick preset (the default of `branchnet demo`) instead of the notebook's schedule. */
  quick: boolean;
  backend?: BackendRequest;
  threads?: number;
  engine?: InferenceEngine;
  /** With the notebook's schedule: train on a VGG16 base without ImageNet weights (refused otherwise). */
  untrainedBase?: boolean;
  /** Progress callbacks for each training. */
  callbacks?: () => FitCallbacks;
  /** Where the demo's lines go (default stdout). */
  say?: (line: string) => void;
}

/** Run the demo: returns 0 (the CLI's exit code). */
export async function demo(args: DemoOptions): Promise<number> {
  const started = performance.now();
  const backend = await initBackend({ backend: args.backend, threads: args.threads });
  const out = path.resolve(args.out);
  const say = args.say ?? ((s: string) => process.stdout.write(s + '\n'));
  say(`branchnet demo — backend ${describeBackend(backend)}`);

  const data = await synthesize({ out: path.join(out, 'data'), sheet: true });
  say(`1/${DEMO_MODELS.length + 2} data: ${data.cached ? 'reused' : 'generated'} ${data.manifest.counts.train} training and ${data.manifest.counts.test} test images in ${data.out} (${data.seconds.toFixed(1)} s); unseen in training: ${data.manifest.unseenCombos.join(', ')}`);

  const base: PartialTrainConfig = args.quick ? QUICK_PRESET : args.untrainedBase ? { model: { backbone: { allowUntrained: true } } } : {};
  const models: ReportModel[] = [];
  const grids: { png: Buffer | Uint8Array; caption: string }[] = [];
  const metrics: { name: string; m: Metrics }[] = [];
  const archs = DEMO_MODELS.map((d) => d.name);
  for (const [i, model] of DEMO_MODELS.entries()) {
    const arch = model.name;
    say(`${i + 2}/${DEMO_MODELS.length + 2} training ${arch}: ${model.what}, ${args.quick ? 'quick preset' : 'notebook schedule'}`);
    const result = await train({
      data: path.join(data.out, 'train'),
      out: path.join(out, arch),
      config: { ...base, model: { ...base.model, ...model.model } },
      callbacks: args.callbacks?.(),
      log: (m) => process.stderr.write(m + '\n'),
      backend: { backend: args.backend, threads: args.threads },
      engine: args.engine,
      overwrite: true, // the demo's own model folders are replaced on a re-run
    });
    const predictor = await Predictor.load(result.modelDir, { engine: args.engine, threads: args.threads });
    let evaluation: EvalResult;
    try {
      evaluation = await evaluate(predictor, path.join(data.out, 'test'));
    } finally {
      predictor.dispose();
    }
    const m = evaluateMetrics(evaluation);
    metrics.push({ name: arch, m });
    const png = await renderPredictionGrid(gridCells(evaluation, 12));
    await fs.writeFile(path.join(out, `${arch}-predictions.png`), png);
    grids.push({ png, caption: `${arch}: one test image per combination (unseen first), then mistakes; wrong heads in red` });
    models.push({
      name: arch, history: result.history, metrics: m, config: result.config, backend: describeBackend(backend), data: result.data,
      timings: result.history.phases.map((p) => ({ phase: p.name, seconds: p.seconds, imagesPerSecond: p.imagesPerSecond })),
    });
    say(`   ${arch}: ${result.history.phases.map((p) => `${p.name} ${p.seconds.toFixed(0)} s at ${p.imagesPerSecond.toFixed(1)} images/s`).join(', ')}`);
  }
  say(`${DEMO_MODELS.length + 2}/${DEMO_MODELS.length + 2} evaluated on the test set (every combination; black dress, black shirt, red jeans never seen in training)`);
  const reportPath = path.join(out, 'report.html');
  await writeReport(reportPath, {
    title: 'branchnet demo: split branches vs a multi-label network on unseen combinations',
    createdAt: new Date(),
    models,
    grid: grids,
    notes: [`Synthetic data (${data.out}); ${args.quick ? 'quick preset' : 'notebook schedule'}; backend ${describeBackend(backend)}.`],
  });
  say('');
  say(headlineTable(metrics));
  say('');
  say(`report:      ${reportPath}`);
  say(`models:      ${archs.map((a) => path.join(out, a)).join(', ')}`);
  say(`data sheet:  ${data.sheetPath ?? path.join(data.out, 'sheet.png')}`);
  say(`backend ${describeBackend(backend)}; elapsed ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return 0;
}

/** The headline: per model, per-head accuracy and exact match on seen vs unseen combinations, shortcut rate. */
export function headlineTable(rows: { name: string; m: Metrics }[]): string {
  const header = ['model', ...rows[0].m.heads.flatMap((h) => [`${h.name} seen`, `${h.name} unseen`]), 'exact seen (As)', 'exact unseen (Au)', 'H', 'shortcut'];
  const body = rows.map(({ name, m }) => [
    name,
    ...m.heads.flatMap((h) => [formatRate(h.seen), formatRate(h.unseen)]),
    formatRate(m.exact.seen), formatRate(m.exact.unseen), pct(m.exact.harmonic), formatRate(m.shortcut),
  ]);
  return textTable(header, body);
}
