/**
 * Probability rows → labels, per head: the one rule Node's Predictor and the browser page share
 * (arg-max, first class wins a tie; every class's probability kept in vocabulary order).
 * Plain data in and out; no TF.js, no Node.
 */

export interface HeadVocab {
  name: string;
  vocab: string[];
}

export interface HeadPrediction {
  label: string;
  probability: number;
  /** Probability of every class, in vocabulary order. */
  probabilities: Record<string, number>;
}

/**
 * One image's per-head probability rows (in head order) → label and probabilities per head.
 * @example labelHeads([{ name: 'color', vocab: ['black', 'red'] }], [[0.2, 0.8]]).color.label // 'red'
 */
export function labelHeads(heads: readonly HeadVocab[], rows: ArrayLike<number>[]): Record<string, HeadPrediction> {
  const out: Record<string, HeadPrediction> = {};
  heads.forEach((h, i) => {
    const p = rows[i] as ArrayLike<number>;
    let best = 0;
    for (let k = 1; k < p.length; k++) if ((p[k] as number) > (p[best] as number)) best = k;
    out[h.name] = {
      label: h.vocab[best] as string,
      probability: p[best] as number,
      probabilities: Object.fromEntries(h.vocab.map((v, k) => [v, p[k] as number])),
    };
  });
  return out;
}
