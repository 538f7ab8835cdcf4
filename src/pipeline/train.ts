/**
 * `train()`: the notebook end to end as one library call: train (../train/), then evaluate on
 * what training never optimised (validation images and held-out combinations), draw the history
 * plot and the prediction grid, render the report, and save the model directory atomically.
 * The CLI's `train` is a thin shell over this.
 */
import { describeBackend, type BackendInfo } from '../core/backend.js';
import type { TrainConfig } from '../core/defaults.js';
import { concatHistory, type History } from '../core/history.js';
import type { Head } from '../data/manifest.js';
import type { DataSummary } from '../data/summary.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, saveModelDir, type ModelMeta } from '../io/model_dir.js';
import { renderHistoryPlot } from '../plot/history_plot.js';
import { renderPredictionGrid } from '../plot/grid.js';
import { trainModel, type ResumeOptions, type TrainedModel, type TrainOptions } from '../train/train.js';
import { readCheckpoint, removeCheckpoints } from '../train/checkpoint.js';
import { Predictor } from '../eval/predict.js';
import { evaluateItems, gridCells } from '../eval/evaluate.js';
import { evaluateMetrics, type Metrics } from '../eval/metrics.js';
import { renderReport } from '../eval/report.js';

/** Options of `train()`: those of `trainModel` (the model directory `out` among them). */
export type TrainAndSaveOptions = TrainOptions;

export interface TrainResult {
  modelDir: string;
  config: TrainConfig;
  heads: Head[];
  history: History;
  backend: BackendInfo;
  data: DataSummary;
  /** Metrics on the validation images (seen combinations) and any held-out ones (unseen). */
  metrics: Metrics | null;
  /** Wall seconds from start to saved model. */
  seconds: number;
}

/**
 * Train a model on a data folder or CSV and save it with its plots and report.
 * @example const r = await train({ data: 'data/train', out: 'runs/a', config: { model: { backbone: { backbone: 'scratch' } } } });
 */
export async function train(opts: TrainAndSaveOptions): Promise<TrainResult> {
  const started = performance.now();
  return finish(await trainModel(opts), opts, started);
}

/**
 * Continue an interrupted run from its newest checkpoint (`<out>.checkpoint/`), with the data,
 * output folder, config, engine and threads it was started with; it ends with the same
 * weights and history as a run that was never interrupted (same backend and threads).
 * @example const r = await resumeTraining('runs/a');
 */
export async function resumeTraining(dir: string, opts: ResumeOptions = {}): Promise<TrainResult> {
  const started = performance.now();
  const ck = await readCheckpoint(dir);
  const run = ck.state.run;
  const full: TrainOptions = {
    ...opts, data: run.data, out: run.out, engine: opts.engine ?? run.engine, backend: opts.backend ?? run.backend,
    keepCheckpoints: opts.keepCheckpoints ?? run.keepCheckpoints,
  };
  return finish(await trainModel(full, ck), full, started);
}

/** Evaluate, draw, report and save a trained model; its checkpoints go once it is in place. */
async function finish(trained: TrainedModel, opts: TrainOptions, started: number): Promise<TrainResult> {
  const { modelDir, model, config, heads, history, backend, data, check, split, selection } = trained;
  try {
    const meta = { heads, config, backend: describeBackend(backend), info: { data, check, ...(selection ? { selection } : {}) } as Record<string, unknown> };
    // Evaluate on what training never optimised: validation images and held-out combinations.
    const evalItems = [...split.val, ...split.heldOut];
    const trainCombos = [...new Set(split.train.map((it) => it.combo))];
    let metrics: Metrics | null = null;
    let grid: Uint8Array | null = null;
    if (evalItems.length > 0) {
      const predictor = await Predictor.fromModel(model, { format: MODEL_FORMAT, formatVersion: MODEL_FORMAT_VERSION, createdAt: '', ...meta } as ModelMeta, {
        engine: opts.engine, threads: opts.backend?.threads,
      });
      const evaluation = await evaluateItems(predictor, evalItems, trainCombos).finally(() => predictor.dispose(false));
      metrics = evaluateMetrics(evaluation);
      grid = await renderPredictionGrid(gridCells(evaluation));
    }
    const { history: joined, phaseStarts } = concatHistory(history);
    const extra: Record<string, string | Uint8Array> = {};
    if (Object.values(joined)[0]?.length) {
      extra['history.png'] = (await renderHistoryPlot(joined, { phaseStarts })).png;
    }
    if (grid) extra['predictions.png'] = grid;
    const seconds = (performance.now() - started) / 1000;
    meta.info.seconds = seconds;
    extra['report.html'] = await renderReport({
      title: `branchnet ${config.model.arch} on ${opts.data}`,
      createdAt: new Date(),
      models: [{
        name: config.model.arch, history, config, backend: meta.backend, data, check,
        ...(metrics ? { metrics } : {}),
        timings: history.phases.map((p) => ({ phase: p.name, seconds: p.seconds, imagesPerSecond: p.imagesPerSecond })),
      }],
      ...(grid ? { grid: [{ png: grid, caption: 'Validation and held-out images: predicted labels, wrong heads marked' }] } : {}),
      notes: [`Evaluated on ${split.val.length} validation images${split.heldOut.length ? ` and ${split.heldOut.length} images of held-out combinations (${config.data.holdOut.join(', ')})` : ''}.`],
    });
    await saveModelDir(modelDir, model, meta, history, extra);
    if (!opts.keepCheckpoints) await removeCheckpoints(modelDir);
    return { modelDir, config, heads, history, backend, data, metrics, seconds };
  } finally {
    model.dispose();
  }
}
