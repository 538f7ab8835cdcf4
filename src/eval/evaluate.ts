/**
 * Evaluation: run a saved model over a labelled folder (or CSV) and return one plain record per
 * image: its true labels, predicted labels and probabilities, and whether its combination was
 * seen in training. Metrics (./metrics.ts) and reports work on these records only.
 */
import { fail } from '../core/errors.js';
import { loadManifest } from '../data/manifest.js';
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
  const trainCombos = opts.trainCombos ?? trainedCombos(predictor);
  const seen = new Set(trainCombos);
  const byPath = new Map(manifest.items.map((it) => [it.path, it]));
  const { predictions, failures } = await predictor.predictFiles(manifest.items.map((it) => it.path), { batchSize: opts.batchSize });
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
  return { heads, records, trainCombos, failures: [...manifest.skipped.map((s) => ({ path: s.path, error: s.reason })), ...failures] };
}
