/**
 * The train/validation split: a seeded shuffle, then the first round((1 − valFraction)·n) items
 * train and the rest validate — the procedure of the notebook's
 * `image_files.sample(frac=0.8, random_state=100)` (2167 images → 1734 train, 433 validation).
 * The shuffle is ours (rng.ts), so which items land where differs from pandas; the sizes match.
 * Combos can be held out of both sets entirely (e.g. 'black_dress', to test whether the branches
 * generalise to a colour/type pair they never saw together).
 */
import { fail } from '../core/errors.js';
import type { Item } from './manifest.js';
import { Rng } from '../core/rng.js';
import { DEFAULTS } from '../core/defaults.js';

export interface SplitOptions {
  /** Fraction of the (non-held-out) items used for validation; default 0.2. */
  valFraction?: number;
  /** Shuffle seed; default 100 (the notebook's random_state). */
  seed?: number;
  /** Combos (labels joined by '_', e.g. 'black_dress') kept out of both train and val. */
  holdOut?: string[];
}

export interface Split {
  /** In shuffled order. */
  train: Item[];
  /** In shuffled order. */
  val: Item[];
  /** Items whose combo is in `holdOut`, in their original order. */
  heldOut: Item[];
}

export function splitItems(items: readonly Item[], opts: SplitOptions = {}): Split {
  const valFraction = opts.valFraction ?? DEFAULTS.data.valFraction;
  const seed = opts.seed ?? DEFAULTS.data.seed;
  if (!(valFraction >= 0 && valFraction < 1)) {
    fail('E_CONFIG', `valFraction ${valFraction} is out of range; use a fraction from 0 up to (not including) 1, e.g. 0.2`);
  }
  const holdOut = new Set(opts.holdOut ?? []);
  if (holdOut.size > 0) {
    const combos = new Set(items.map((i) => i.combo));
    for (const combo of holdOut) {
      if (!combos.has(combo)) {
        fail(
          'E_CONFIG',
          `hold-out combo "${combo}" matches no image; the data set has [${[...combos].sort().join(', ')}]`,
        );
      }
    }
  }
  const heldOut: Item[] = [];
  const pool: Item[] = [];
  for (const item of items) (holdOut.has(item.combo) ? heldOut : pool).push(item);

  new Rng(seed).shuffle(pool);
  const nTrain = Math.round((1 - valFraction) * pool.length);
  return { train: pool.slice(0, nTrain), val: pool.slice(nTrain), heldOut };
}
