/**
 * Metrics on evaluation records (./evaluate.ts), split by whether an image's combination of
 * labels was seen in training. The claim under test is that separate branches predict
 * combinations never seen in training (a black dress when training had only black jeans and
 * blue/red dresses), so every number is reported for seen and unseen combinations apart:
 *
 * - per-head accuracy (seen / unseen / all) and confusion matrices;
 * - exact match (every head right) on seen (As) and unseen (Au) combinations and their
 *   harmonic mean H = 2·As·Au/(As+Au), as in generalized zero-shot learning;
 * - the shortcut rate: how often an unseen combination is predicted as a seen one that keeps
 *   at least one true label (black dress → black jeans);
 * - per combination: how many images, how often right, where the predictions went.
 *
 * Every proportion carries a 95% Wilson score interval. "Averaged per-label binary accuracy"
 * is deliberately absent: with many negatives it is near 100% for any model and says nothing.
 *
 * Pure functions on plain data: no TF.js, no I/O.
 */
import { fail } from '../core/errors.js';
import type { EvalResult } from './evaluate.js';
import { formatRate, pct, textTable, type Rate } from './format.js';

export type { Rate };
// Moved to ./compare_stats.ts; re-exported so existing imports keep working.
export {
  compareStats, formatCompareCell, formatCompareMarkdown, formatCompareTable,
  type CompareRow, type CompareStat, type CompareTable, type Spread,
} from './compare_stats.js';

/**
 * Wilson score interval for `successes` out of `n` (z = 1.96 → 95%); n = 0 → rate NaN, [0, 1].
 * @example wilson(8, 10) // { rate: 0.8, lo: 0.4902, hi: 0.9433, n: 10, k: 8 } (rounded)
 */
export function wilson(successes: number, n: number, z = 1.96): Rate {
  if (!Number.isInteger(n) || n < 0) fail('E_ARGS', `wilson: n must be an integer ≥ 0, got ${n}.`);
  if (!Number.isInteger(successes) || successes < 0 || successes > n) {
    fail('E_ARGS', `wilson: successes must be an integer in [0, n = ${n}], got ${successes}.`);
  }
  if (!(z > 0)) fail('E_ARGS', `wilson: z must be a positive number, got ${z}.`);
  if (n === 0) return { rate: NaN, lo: 0, hi: 1, n: 0, k: 0 };
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Exact ends at k = 0 and k = n (the formula gives them up to rounding).
  const lo = successes === 0 ? 0 : Math.max(0, centre - half);
  const hi = successes === n ? 1 : Math.min(1, centre + half);
  return { rate: p, lo, hi, n, k: successes };
}

/**
 * Harmonic mean of two rates: 0 if either is 0, NaN if either is NaN (e.g. no unseen images).
 * @example harmonicMean(0.9, 0.6) // 0.72
 */
export function harmonicMean(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  if (a === 0 || b === 0) return 0;
  return (2 * a * b) / (a + b);
}

/** Where the predictions for one true combination went: one predicted combination. */
export interface PredictionCount {
  /** Predicted labels joined by '_'. */
  combo: string;
  count: number;
  /** count / images of the true combination. */
  share: number;
  /** The predicted combination is one the model was trained on. */
  seen: boolean;
  /** Every head right. */
  correct: boolean;
  /** Names of the heads whose true label the prediction keeps. */
  kept: string[];
  /** True combination unseen, prediction a seen combination keeping ≥ 1 true label. */
  shortcut: boolean;
}

export interface HeadMetrics {
  name: string;
  /** Rows and columns of the confusion matrices: the vocabulary, then any label met outside it. */
  labels: string[];
  /** Accuracy on images of seen combinations. */
  seen: Rate;
  /** Accuracy on images of unseen combinations. */
  unseen: Rate;
  all: Rate;
  /** counts[truth][prediction], indexed like `labels`. */
  confusion: { all: number[][]; seen: number[][]; unseen: number[][] };
}

export interface ComboMetrics {
  /** True labels joined by '_'. */
  combo: string;
  truth: string[];
  seen: boolean;
  n: number;
  /** Exact-match rate (every head right). */
  exact: Rate;
  /** Accuracy per head, in head order. */
  headAccuracy: Rate[];
  /** Most frequent predicted combination (ties: alphabetical). */
  top: PredictionCount;
  /** Every predicted combination, most frequent first (ties: alphabetical). */
  predictions: PredictionCount[];
}

export interface UnseenOutcome {
  combo: string;
  n: number;
  /** Shortcut rate for this combination alone. */
  shortcut: Rate;
  /** Where its predictions went, most frequent first. */
  predictions: PredictionCount[];
}

export interface Metrics {
  heads: HeadMetrics[];
  /** Exact match: seen = As, unseen = Au, harmonic = H = 2·As·Au/(As+Au). */
  exact: { seen: Rate; unseen: Rate; all: Rate; harmonic: number };
  /** Among unseen-combination images: predicted as a seen combination keeping ≥ 1 true label. */
  shortcut: Rate;
  /** Seen combinations first, then unseen; alphabetical within each. */
  combos: ComboMetrics[];
  /** Per unseen combination, where its predictions went. */
  unseen: UnseenOutcome[];
  counts: { images: number; seen: number; unseen: number; failures: number; seenCombos: number; unseenCombos: number };
  trainCombos: string[];
}

const byCountThenName = (a: { count: number; combo: string }, b: { count: number; combo: string }): number =>
  b.count - a.count || (a.combo < b.combo ? -1 : a.combo > b.combo ? 1 : 0);

const zeros = (n: number): number[][] => Array.from({ length: n }, () => new Array<number>(n).fill(0));

/**
 * All metrics of an evaluation, as plain data.
 * @example const m = evaluateMetrics(await evaluate(predictor, 'synth/test')); m.exact.unseen.rate
 */
export function evaluateMetrics(result: EvalResult): Metrics {
  const heads = result.heads;
  const H = heads.length;
  if (H === 0) fail('E_ARGS', 'evaluateMetrics: the result has no heads.');
  const trained = new Set(result.trainCombos);

  // Labels per head: vocabulary first, then anything outside it (so nothing is silently dropped).
  const labels = heads.map((h) => [...h.vocab]);
  const index = labels.map((ls) => new Map(ls.map((l, i) => [l, i])));
  const indexOf = (h: number, label: string): number => {
    let i = index[h]!.get(label);
    if (i === undefined) {
      i = labels[h]!.length;
      labels[h]!.push(label);
      index[h]!.set(label, i);
    }
    return i;
  };
  for (const r of result.records) {
    if (r.truth.length !== H || r.pred.length !== H) {
      fail(
        'E_ARGS',
        `evaluateMetrics: record "${r.path}" has ${r.truth.length} true and ${r.pred.length} predicted labels, expected ${H} (one per head: ${heads.map((h) => h.name).join(', ')}).`,
      );
    }
    r.truth.forEach((l, h) => indexOf(h, l));
    r.pred.forEach((l, h) => indexOf(h, l));
  }

  const conf = labels.map((ls) => ({ all: zeros(ls.length), seen: zeros(ls.length), unseen: zeros(ls.length) }));
  const right = heads.map(() => ({ seen: 0, unseen: 0 }));
  let nSeen = 0;
  let nUnseen = 0;
  let exactSeen = 0;
  let exactUnseen = 0;
  let shortcuts = 0;
  interface ComboAcc {
    truth: string[];
    seen: boolean;
    n: number;
    exact: number;
    heads: number[];
    preds: Map<string, { pred: string[]; count: number }>;
  }
  const combos = new Map<string, ComboAcc>();

  for (const r of result.records) {
    const seen = r.seen;
    if (seen) nSeen++;
    else nUnseen++;
    let all = true;
    let kept = 0;
    for (let h = 0; h < H; h++) {
      const t = indexOf(h, r.truth[h]!);
      const p = indexOf(h, r.pred[h]!);
      const c = conf[h]!;
      c.all[t]![p]!++;
      (seen ? c.seen : c.unseen)[t]![p]!++;
      if (t === p) {
        kept++;
        right[h]![seen ? 'seen' : 'unseen']++;
      } else all = false;
    }
    const predCombo = r.pred.join('_');
    if (all) {
      if (seen) exactSeen++;
      else exactUnseen++;
    } else if (!seen && kept > 0 && trained.has(predCombo)) shortcuts++;

    let acc = combos.get(r.combo);
    if (acc === undefined) {
      acc = { truth: [...r.truth], seen, n: 0, exact: 0, heads: new Array<number>(H).fill(0), preds: new Map() };
      combos.set(r.combo, acc);
    }
    acc.n++;
    if (all) acc.exact++;
    for (let h = 0; h < H; h++) if (r.truth[h] === r.pred[h]) acc.heads[h]!++;
    const pc = acc.preds.get(predCombo);
    if (pc) pc.count++;
    else acc.preds.set(predCombo, { pred: [...r.pred], count: 1 });
  }

  const comboList: ComboMetrics[] = [...combos.entries()]
    .map(([combo, a]) => {
      const predictions = [...a.preds.entries()]
        .map(([pcombo, { pred, count }]): PredictionCount => {
          const keptHeads = heads.filter((_, h) => pred[h] === a.truth[h]).map((hd) => hd.name);
          const correct = keptHeads.length === H;
          const pSeen = trained.has(pcombo);
          return { combo: pcombo, count, share: count / a.n, seen: pSeen, correct, kept: keptHeads, shortcut: !a.seen && pSeen && !correct && keptHeads.length > 0 };
        })
        .sort(byCountThenName);
      return {
        combo,
        truth: a.truth,
        seen: a.seen,
        n: a.n,
        exact: wilson(a.exact, a.n),
        headAccuracy: a.heads.map((k) => wilson(k, a.n)),
        top: predictions[0]!,
        predictions,
      };
    })
    .sort((x, y) => Number(y.seen) - Number(x.seen) || (x.combo < y.combo ? -1 : x.combo > y.combo ? 1 : 0));

  const As = wilson(exactSeen, nSeen);
  const Au = wilson(exactUnseen, nUnseen);
  return {
    heads: heads.map((h, i) => ({
      name: h.name,
      labels: labels[i]!,
      seen: wilson(right[i]!.seen, nSeen),
      unseen: wilson(right[i]!.unseen, nUnseen),
      all: wilson(right[i]!.seen + right[i]!.unseen, nSeen + nUnseen),
      confusion: conf[i]!,
    })),
    exact: { seen: As, unseen: Au, all: wilson(exactSeen + exactUnseen, nSeen + nUnseen), harmonic: harmonicMean(As.rate, Au.rate) },
    shortcut: wilson(shortcuts, nUnseen),
    combos: comboList,
    unseen: comboList
      .filter((c) => !c.seen)
      .map((c) => ({
        combo: c.combo,
        n: c.n,
        shortcut: wilson(
          c.predictions.filter((p) => p.shortcut).reduce((s, p) => s + p.count, 0),
          c.n,
        ),
        predictions: c.predictions,
      })),
    counts: {
      images: nSeen + nUnseen,
      seen: nSeen,
      unseen: nUnseen,
      failures: result.failures.length,
      seenCombos: comboList.filter((c) => c.seen).length,
      unseenCombos: comboList.filter((c) => !c.seen).length,
    },
    trainCombos: [...result.trainCombos],
  };
}

// ---------------------------------------------------------------------------------------------
// Terminal tables

/**
 * The headline table: per-head accuracy and exact match on seen / unseen combinations, H and
 * the shortcut rate, each as `93.3% [88.1–96.3]` (95% Wilson interval).
 * @example console.log(formatMetricsTable(m, { title: 'split model' }))
 */
export function formatMetricsTable(metrics: Metrics, opts: { title?: string } = {}): string {
  const c = metrics.counts;
  const header = ['', `seen (n=${c.seen})`, `unseen (n=${c.unseen})`];
  const rows: string[][] = metrics.heads.map((h) => [`${h.name} accuracy`, formatRate(h.seen), formatRate(h.unseen)]);
  rows.push(['exact match (As / Au)', formatRate(metrics.exact.seen), formatRate(metrics.exact.unseen)]);
  rows.push(['H = 2·As·Au/(As+Au)', '', pct(metrics.exact.harmonic)]);
  rows.push(['shortcut rate', '', formatRate(metrics.shortcut)]);
  const lines: string[] = [];
  if (opts.title) lines.push(opts.title);
  lines.push(textTable(header, rows));
  lines.push(
    `${c.images} images (${c.seenCombos} seen, ${c.unseenCombos} unseen combinations)${c.failures ? `, ${c.failures} failed` : ''}; brackets: 95% Wilson interval.`,
  );
  lines.push('Shortcut: an unseen combination predicted as a seen one that keeps ≥ 1 true label.');
  return lines.join('\n');
}
