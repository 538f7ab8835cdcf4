/**
 * Best-epoch weights and early stopping, as one callback (Keras: `ModelCheckpoint(save_best_only)`
 * + `EarlyStopping(restore_best_weights, patience)`, per phase).
 *
 * `keep: 'last'` (the default, what Keras's `model.fit` gives) leaves the final epoch's weights.
 * `keep: 'best'` snapshots the weights at every epoch whose validation score beats the best so
 * far and puts the best back when the phase ends. The score is `monitor` (a history key such as
 * `val_type_acc`; default: the mean of `val_<head>_acc` over heads); ties go to the lower
 * `val_loss`. `patience: n` ends a phase after n epochs without a better score.
 * Validation images are of seen combinations only (held-out combinations go to neither split), so
 * unseen combinations never take part in the choice. The selection is plain data
 * (`BestEpochCallback.selected`), recorded with the model.
 */
import { tf } from '../core/tf.js';
import { fail } from '../core/errors.js';
import type { FitCallbacks } from './fit.js';
import type { Logs } from './step.js';

export type KeepWeights = 'best' | 'last';

export interface BestEpochOptions {
  keep: KeepWeights;
  /** History key to maximise; null = mean validation accuracy over heads. Keys ending in `loss` are minimised. */
  monitor: string | null;
  /** Epochs without improvement before a phase stops; null = never stop early. */
  patience: number | null;
}

export interface EpochScore {
  epoch: number;
  score: number;
  loss: number;
}

export interface PhaseSelection {
  phase: string;
  /** The epoch (1-based) whose weights the phase ends with. */
  epoch: number;
  epochsRun: number;
  score: number;
  monitor: string;
  stoppedEarly: boolean;
}

/** What `monitor` names, for messages and records. */
export function monitorName(monitor: string | null, heads: string[]): string {
  return monitor ?? `mean(${heads.map((h) => `val_${h}_acc`).join(', ')})`;
}

/**
 * The score of one epoch's logs: higher is better (a monitored loss is negated).
 * @example epochScore({ val_color_acc: 0.9, val_type_acc: 0.7, val_loss: 0.4 }, ['color', 'type'], null) // { score: 0.8, loss: 0.4 }
 */
export function epochScore(logs: Logs, heads: string[], monitor: string | null): { score: number; loss: number } {
  const loss = logs.val_loss ?? Infinity;
  if (monitor === null) {
    const keys = heads.map((h) => `val_${h}_acc`);
    const missing = keys.filter((k) => !(k in logs));
    if (missing.length) fail('E_CONFIG', `--keep best / --patience: no ${missing.join(', ')} in this epoch's logs; they need validation images (--val-fraction > 0)`);
    return { score: keys.reduce((s, k) => s + logs[k], 0) / keys.length, loss };
  }
  if (!(monitor in logs)) fail('E_CONFIG', `--monitor ${monitor}: not a key of this epoch's logs; keys are [${Object.keys(logs).join(', ')}]`);
  return { score: monitor.endsWith('loss') ? -logs[monitor] : logs[monitor], loss };
}

/** Whether `a` beats `b`: a higher score, or the same score with a lower validation loss. */
export function isBetter(a: { score: number; loss: number }, b: { score: number; loss: number } | null): boolean {
  if (b === null) return true;
  return a.score > b.score || (a.score === b.score && a.loss < b.loss);
}

export interface BestEpochCallback extends FitCallbacks {
  /** One entry per phase run so far. */
  readonly selected: PhaseSelection[];
}

/**
 * The callback: hand it to `fit` (train() does when keep or patience asks for it).
 * CAUTION: with keep 'best' it holds one copy of the model's weights between epochs; they are
 * disposed when the phase ends.
 */
export function bestEpochCallback(model: tf.LayersModel, heads: string[], opts: BestEpochOptions): BestEpochCallback {
  const selected: PhaseSelection[] = [];
  let best: EpochScore | null = null;
  let snapshot: tf.Tensor[] | null = null;
  let waited = 0;
  let stop = false;
  let epochsRun = 0;
  const drop = () => { if (snapshot) tf.dispose(snapshot); snapshot = null; };
  return {
    selected,
    onPhaseBegin: () => { best = null; waited = 0; stop = false; epochsRun = 0; drop(); },
    onEpochEnd: ({ epoch, logs }) => {
      epochsRun = epoch + 1;
      const s = { epoch: epoch + 1, ...epochScore(logs, heads, opts.monitor) };
      if (isBetter(s, best)) {
        best = s;
        waited = 0;
        if (opts.keep === 'best') {
          drop();
          snapshot = model.getWeights().map((w) => w.clone());
        }
      } else {
        waited++;
        if (opts.patience !== null && waited >= opts.patience) stop = true;
      }
    },
    shouldStop: () => stop,
    onPhaseEnd: ({ phase }) => {
      if (best === null) return;
      const b = best as EpochScore;
      if (opts.keep === 'best' && snapshot && b.epoch !== epochsRun) model.setWeights(snapshot);
      drop();
      selected.push({
        phase: phase.name, epoch: opts.keep === 'best' ? b.epoch : epochsRun, epochsRun,
        score: b.score, monitor: monitorName(opts.monitor, heads), stoppedEarly: stop,
      });
    },
  };
}

/** Run several callback sets as one (each hook in order). */
export function combineCallbacks(...sets: (FitCallbacks | undefined)[]): FitCallbacks {
  const all = sets.filter((s): s is FitCallbacks => s !== undefined);
  return {
    onPhaseBegin: (e) => all.forEach((c) => c.onPhaseBegin?.(e)),
    onEpochBegin: (e) => all.forEach((c) => c.onEpochBegin?.(e)),
    onBatchEnd: (e) => all.forEach((c) => c.onBatchEnd?.(e)),
    onEpochEnd: (e) => all.forEach((c) => c.onEpochEnd?.(e)),
    onPhaseEnd: (e) => all.forEach((c) => c.onPhaseEnd?.(e)),
    shouldStop: () => all.some((c) => c.shouldStop?.() ?? false),
  };
}
