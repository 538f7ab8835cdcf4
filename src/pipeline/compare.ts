/**
 * The protocol as one call: train each architecture under the same split, for several seeds
 * and optionally for leave-one-combination-out rotations, evaluate each on seen and unseen
 * combinations, and tabulate mean ± spread per metric per architecture.
 *
 * Evaluation set: a test folder when there is one (for `<root>/train`, `<root>/test` is used),
 * else the validation images plus the held-out combinations' images.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fail } from '../core/errors.js';
import type { Arch, PartialTrainConfig } from '../core/defaults.js';
import { loadManifest, type Manifest } from '../data/manifest.js';
import { train } from './train.js';
import type { FitCallbacks } from '../train/fit.js';
import type { History } from '../core/history.js';
import { Predictor, type InferenceEngine } from '../eval/predict.js';
import type { BackendOptions } from '../core/backend.js';
import { evaluate } from '../eval/evaluate.js';
import { evaluateMetrics, formatCompareMarkdown, formatCompareTable, type CompareRow, type Metrics } from '../eval/metrics.js';
import { writeReport, type ReportModel } from '../eval/report.js';

export interface CompareOptions {
  data: string;
  /** Labelled test folder; default `<root>/test` when `data` is `<root>/train`. */
  test?: string | null;
  archs: Arch[];
  seeds: number[];
  /** Also hold out each seen combination in turn (when every label of every head stays in training). */
  rotate?: boolean;
  /** Combinations held out in every run. */
  holdOut?: string[];
  config?: PartialTrainConfig;
  out: string;
  callbacks?: (run: CompareRunSpec) => FitCallbacks;
  log?: (message: string) => void;
  backend?: BackendOptions;
  /** Where inference and frozen layers run (default auto). */
  engine?: InferenceEngine;
}

export interface CompareRunSpec {
  arch: Arch;
  seed: number;
  holdOut: string[];
}

export interface CompareRun extends CompareRunSpec {
  modelDir: string;
  metrics: Metrics;
  history: History;
  seconds: number;
}

export interface CompareResult {
  rows: CompareRow[];
  runs: CompareRun[];
  table: string;
  markdown: string;
  reportPath: string;
}

/** Combinations that can be held out while every label of every head still appears in training. */
export function rotationCandidates(manifest: Manifest, alreadyOut: string[] = []): string[] {
  const combos = [...new Set(manifest.items.map((i) => i.combo))].filter((c) => !alreadyOut.includes(c)).sort();
  return combos.filter((c) => {
    const rest = combos.filter((x) => x !== c).map((x) => x.split('_'));
    return manifest.heads.every((h, i) => h.vocab.every((label) => rest.some((parts) => parts[i] === label) || !combos.some((x) => x.split('_')[i] === label)));
  });
}

async function defaultTest(data: string): Promise<string | null> {
  if (path.basename(path.resolve(data)) !== 'train') return null;
  const test = path.join(path.dirname(path.resolve(data)), 'test');
  try {
    return (await fs.stat(test)).isDirectory() ? test : null;
  } catch {
    return null;
  }
}

/**
 * Run the comparison protocol.
 * @example await compare({ data: 'synth/train', archs: ['split', 'multilabel'], seeds: [1, 2, 3], out: 'runs/compare' });
 */
export async function compare(opts: CompareOptions): Promise<CompareResult> {
  if (opts.archs.length === 0) fail('E_ARGS', 'compare needs at least one architecture; pass --archs split,multilabel');
  if (opts.seeds.length === 0) fail('E_ARGS', 'compare needs at least one seed; pass --seeds 3 or --seeds 1,2,3');
  const log = opts.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const test = opts.test === undefined ? await defaultTest(opts.data) : opts.test;
  const base = opts.holdOut ?? opts.config?.data?.holdOut ?? [];
  const heads = opts.config?.model?.heads as string[] | undefined;
  const manifest = await loadManifest(opts.data, heads ? { heads } : {});
  const holdOuts: string[][] = [base];
  if (opts.rotate) {
    const candidates = rotationCandidates(manifest, base);
    if (candidates.length === 0) fail('E_ARGS', `--rotate: no combination of ${opts.data} can be held out while every label stays in training`);
    holdOuts.push(...candidates.map((c) => [...base, c]));
  }
  const runs: CompareRun[] = [];
  const total = holdOuts.length * opts.seeds.length * opts.archs.length;
  for (const holdOut of holdOuts) {
    for (const seed of opts.seeds) {
      for (const arch of opts.archs) {
        const spec = { arch, seed, holdOut };
        const name = `${arch}-seed${seed}${holdOut.length ? `-without-${holdOut.join('+')}` : ''}`;
        log(`\n[${runs.length + 1}/${total}] ${name}`);
        const cfg: PartialTrainConfig = {
          ...opts.config,
          model: { ...opts.config?.model, arch },
          data: { ...opts.config?.data, holdOut },
          seed,
        };
        const r = await train({ data: opts.data, out: path.join(opts.out, name), config: cfg, callbacks: opts.callbacks?.(spec), log, backend: opts.backend, engine: opts.engine, overwrite: true }); // issue #12: a re-run replaces its own models
        let metrics = r.metrics;
        if (test) {
          const predictor = await Predictor.load(r.modelDir, { engine: opts.engine, threads: opts.backend?.threads });
          try {
            // Seen combinations come from the model itself (its data summary minus its hold-outs).
            metrics = evaluateMetrics(await evaluate(predictor, test));
          } finally {
            predictor.dispose();
          }
        }
        if (!metrics) fail('E_DATA_EMPTY', `${name}: nothing to evaluate on (no test folder, no validation images, nothing held out)`);
        runs.push({ ...spec, modelDir: r.modelDir, metrics, history: r.history, seconds: r.seconds });
      }
    }
  }
  const rows: CompareRow[] = opts.archs.map((arch) => ({ name: arch, metrics: runs.filter((r) => r.arch === arch).map((r) => r.metrics) }));
  const what = `${opts.seeds.length} seed${opts.seeds.length > 1 ? 's' : ''}${opts.rotate ? ` × ${holdOuts.length} hold-out sets` : ''}, evaluated on ${test ?? 'validation + held-out images'}`;
  const table = formatCompareTable(rows, { title: `Mean ± std over ${what}` });
  const markdown = formatCompareMarkdown(rows, { title: `Mean ± std over ${what}` });
  await fs.mkdir(opts.out, { recursive: true });
  await fs.writeFile(path.join(opts.out, 'compare.json'), JSON.stringify({ test, seeds: opts.seeds, holdOuts, runs: runs.map(({ history: _, ...rest }) => rest) }, null, 2));
  await fs.writeFile(path.join(opts.out, 'compare.md'), markdown + '\n');
  const reportPath = path.join(opts.out, 'report.html');
  const firstOf = (arch: Arch): ReportModel => {
    const r = runs.find((x) => x.arch === arch)!;
    return { name: `${arch} (seed ${r.seed}${r.holdOut.length ? `, without ${r.holdOut.join(', ')}` : ''})`, metrics: r.metrics, history: r.history };
  };
  await writeReport(reportPath, {
    title: `branchnet compare on ${opts.data}`,
    createdAt: new Date(),
    models: opts.archs.map(firstOf),
    compare: { rows },
    notes: [`${runs.length} trainings: ${what}. Per-run models (with their own reports) are under ${opts.out}.`],
  });
  return { rows, runs, table, markdown, reportPath };
}
