/**
 * `branchnet demo` (what `npm start` runs): the whole product on the embedded synthetic data.
 * Generate the default set (cached), train the split model, predict the test set — every
 * combination of the 3 × 3 grid, three of them never seen in training — and print accuracy
 * per head on seen and unseen combinations, with the history plot and a prediction grid.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describeBackend, initBackend } from '../../core/backend.js';
import { QUICK_PRESET, type PartialTrainConfig } from '../../core/defaults.js';
import { synthesize } from '../../synth/index.js';
import { train } from '../../train/train.js';
import { Predictor } from '../../eval/predict.js';
import { evaluate, type EvalResult } from '../../eval/evaluate.js';
import { renderPredictionGrid } from '../../plot/grid.js';
import { progressCallbacks } from '../progress.js';
import type { DemoArgs } from '../parse.js';

function pct(k: number, n: number): string {
  return n === 0 ? '—' : `${((100 * k) / n).toFixed(1)}% (${k}/${n})`;
}

/** Accuracy per head and exact match, seen vs unseen, as a small text table. */
export function seenUnseenTable(r: EvalResult): string {
  const rows: string[][] = [['', 'seen combinations', 'unseen combinations']];
  const part = (seen: boolean) => r.records.filter((x) => x.seen === seen);
  r.heads.forEach((h, i) => {
    rows.push([`${h.name} accuracy`, ...[true, false].map((s) => { const p = part(s); return pct(p.filter((x) => x.pred[i] === x.truth[i]).length, p.length); })]);
  });
  rows.push(['all heads right', ...[true, false].map((s) => { const p = part(s); return pct(p.filter((x) => x.pred.every((v, i) => v === x.truth[i])).length, p.length); })]);
  const w = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) => row.map((cell, c) => cell.padEnd(w[c])).join('  ').trimEnd()).join('\n');
}

export async function demoCommand(args: DemoArgs): Promise<number> {
  const started = performance.now();
  const backend = await initBackend({ backend: args.backend, threads: args.threads });
  const out = path.resolve(args.out);
  const say = (s: string) => process.stdout.write(s + '\n');
  say(`branchnet demo — backend ${describeBackend(backend)}`);

  const data = await synthesize({ out: path.join(out, 'data'), sheet: true });
  say(`1/3 data: ${data.cached ? 'reused' : 'generated'} ${data.manifest.counts.train} training and ${data.manifest.counts.test} test images in ${data.out} (${data.seconds.toFixed(1)} s); unseen in training: ${data.manifest.unseenCombos.join(', ')}`);

  const config: PartialTrainConfig = args.quick ? QUICK_PRESET : {};
  say(`2/3 training the split model (${args.quick ? 'quick preset' : 'notebook schedule'})`);
  const result = await train({
    data: path.join(data.out, 'train'),
    out: path.join(out, 'split'),
    config,
    callbacks: progressCallbacks({ quiet: args.quiet }),
    log: (m) => process.stderr.write(m + '\n'),
  });

  say('3/3 predicting the test set');
  const predictor = await Predictor.load(result.modelDir);
  let evaluation: EvalResult;
  try {
    evaluation = await evaluate(predictor, path.join(data.out, 'test'));
  } finally {
    predictor.dispose();
  }
  // One image per combination for the grid, unseen ones first.
  const pick = new Map<string, (typeof evaluation.records)[number]>();
  for (const r of [...evaluation.records].sort((a, b) => Number(a.seen) - Number(b.seen))) if (!pick.has(r.combo)) pick.set(r.combo, r);
  const grid = path.join(out, 'predictions.png');
  await fs.writeFile(grid, await renderPredictionGrid([...pick.values()].map((r) => ({
    image: { path: r.path },
    caption: r.pred,
    wrong: r.pred.map((p, i) => p !== r.truth[i]),
    subcaption: `true: ${r.truth.join(' ')}${r.seen ? '' : ' (unseen)'}`,
  }))));

  say('');
  say(seenUnseenTable(evaluation));
  say('');
  for (const p of result.history.phases) say(`${p.name}: ${p.seconds.toFixed(0)} s, ${p.imagesPerSecond.toFixed(1)} training images/s`);
  say(`model:       ${result.modelDir}`);
  say(`history:     ${path.join(result.modelDir, 'history.png')}`);
  say(`predictions: ${grid}`);
  say(`data sheet:  ${data.sheetPath ?? path.join(data.out, 'sheet.png')}`);
  say(`backend ${describeBackend(backend)}; elapsed ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return 0;
}
