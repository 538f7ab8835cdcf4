/**
 * Evaluation: run a saved model over a labelled folder (or CSV) and return one plain record per
 * image: its true labels, predicted labels and probabilities, and whether its combination was
 * seen in training. Metrics (./metrics.ts) and reports work on these records only.
 */
import { fail } from '../core/errors.js';
import { loadManifest, type Item } from '../data/manifest.js';
import type { Predictor } from './predict.js';

export interface EvalRecord {
  path: string;
  /** True labels, one per head, in head order. */
  truth: string[];
  /** Predicted labels, one per head. */
  pred: string[];
  /** Probability of the predicted label, per head. */
  prob: number[];
  /** True labels joined by '_'. */
  combo: string;
  /** Whether `combo` appeared in the model's training data. */
  seen: boolean;
}

export interface EvalResult {
  heads: { name: string; vocab: string[] }[];
  records: EvalRecord[];
  /** Combinations the model was trained on. */
  trainCombos: string[];
  failures: { path: string; error: string }[];
}

/** Combinations a model saw in training, from the data summary saved with it. */
export function trainedCombos(predictor: Predictor): string[] {
  const info = predictor.meta.info as { data?: { combos?: Record<string, number> } } | undefined;
  const combos = Object.keys(info?.data?.combos ?? {});
  const held = new Set(predictor.meta.config.data.holdOut);
  return combos.filter((c) => !held.has(c)).sort();
}

/**
 * Evaluate a model on a labelled folder of `<a>_<b>/` subfolders or a CSV.
 * @example const r = await evaluate(await Predictor.load('runs/a'), 'synth/test');
 */
export async function evaluate(predictor: Predictor, source: string, opts: { batchSize?: number; trainCombos?: string[] } = {}): Promise<EvalResult> {
  const heads = predictor.heads;
  const manifest = await loadManifest(source, { heads: heads.map((h) => h.name) });
  for (const [i, h] of manifest.heads.entries()) {
    const unknown = h.vocab.filter((v) => !heads[i].vocab.includes(v));
    if (unknown.length) {
      fail('E_DATA_LABEL', `${source}: ${h.name} label${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} not in the model's vocabulary [${heads[i].vocab.join(', ')}]; the model cannot predict ${unknown.length > 1 ? 'them' : 'it'}, so remove those folders or retrain with them`);
    }
  }
  const r = await evaluateItems(predictor, manifest.items, opts.trainCombos ?? trainedCombos(predictor), opts);
  r.failures.unshift(...manifest.skipped.map((x) => ({ path: x.path, error: x.reason })));
  return r;
}

/** Evaluate a model on labelled items (labels in the model's head order). */
export async function evaluateItems(predictor: Predictor, items: Item[], trainCombos: string[], opts: { batchSize?: number } = {}): Promise<EvalResult> {
  const heads = predictor.heads;
  const seen = new Set(trainCombos);
  const byPath = new Map(items.map((it) => [it.path, it]));
  const { predictions, failures } = await predictor.predictFiles(items.map((it) => it.path), { batchSize: opts.batchSize });
  const records: EvalRecord[] = predictions.map((p) => {
    const item = byPath.get(p.path)!;
    return {
      path: p.path,
      truth: item.labels,
      pred: heads.map((h) => p.heads[h.name].label),
      prob: heads.map((h) => p.heads[h.name].probability),
      combo: item.combo,
      seen: seen.has(item.combo),
    };
  });
  return { heads, records, trainCombos: [...trainCombos].sort(), failures };
}

/**
 * Records to show in a prediction grid: one per combination (unseen first), then mistakes,
 * then the rest, up to `max`; captions are the predicted labels with wrong heads marked.
 */
export function gridCells(r: EvalResult, max = 16): { image: { path: string }; caption: string[]; wrong: boolean[]; subcaption: string }[] {
  const picked: EvalRecord[] = [];
  const have = new Set<EvalRecord>();
  const take = (x: EvalRecord) => { if (picked.length < max && !have.has(x)) { picked.push(x); have.add(x); } };
  const ordered = [...r.records].sort((a, b) => Number(a.seen) - Number(b.seen) || a.combo.localeCompare(b.combo) || a.path.localeCompare(b.path));
  const firstOf = new Map<string, EvalRecord>();
  for (const x of ordered) if (!firstOf.has(x.combo)) firstOf.set(x.combo, x);
  firstOf.forEach(take);
  ordered.filter((x) => x.pred.some((p, i) => p !== x.truth[i])).forEach(take);
  ordered.forEach(take);
  return picked.map((x) => ({
    image: { path: x.path },
    caption: x.pred,
    wrong: x.pred.map((p, i) => p !== x.truth[i]),
    subcaption: `true: ${x.truth.join(' ')}${x.seen ? '' : ' (unseen)'}`,
  }));
}
