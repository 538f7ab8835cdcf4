/**
 * Deterministic dropout masks, so that one `--seed` gives the same model twice.
 *
 * Why: TF.js's Dropout layer draws its mask with `tf.randomUniform(shape, 0, 1, 'float32', seed)`
 * (tfjs-core ops/dropout.ts), which seeds a fresh `seedrandom.alea` from `seed`, or from
 * `Math.random()` when the layer has no seed, as ours have not. So every training step drew
 * unrepeatable masks: two runs with the same seed diverged from the first step. Giving the
 * layer a fixed `seed` would be no better: every call would reseed alea with it and draw the
 * same mask at every step.
 *
 * What we do instead: before each training step, each dropout layer gets a seed derived from
 * (run seed, phase, step within the phase, layer position); after the step its own seed is
 * put back, so nothing of this reaches model.json. The mask depends only on where training
 * is, never on what ran before, so a resumed run needs no generator state to draw the same
 * masks as an uninterrupted one. Layers with other random draws (GaussianNoise, AlphaDropout,
 * GaussianDropout) cannot be seeded this way in TF.js 4.22; our models use none, and
 * `dropoutLayers` reports them so a caller can warn.
 */
import type { tf } from '../core/tf.js';
import type { ModelPlan } from './plan.js';
import { fmix32 } from '../core/rng.js';

const SEEDED = new Set(['Dropout', 'SpatialDropout1D', 'SpatialDropout2D']);
const UNSEEDABLE = new Set(['GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

/** The layer field TF.js Dropout passes to randomUniform (private in its typings). */
type Seeded = tf.layers.Layer & { seed?: number };

/** murmur3's 32-bit finaliser over a list of integers: a well-mixed uint32 per distinct list. */
export function mixSeed(...values: number[]): number {
  let h = 0x9747b28c;
  for (const v of values) {
    // Split each value into two 32-bit halves so seeds above 2^32 stay distinct.
    for (const part of [v >>> 0, Math.floor(Math.abs(v) / 4294967296) >>> 0]) {
      h ^= Math.imul(part, 0xcc9e2d51);
      h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
    }
  }
  return fmix32(h);
}

/** The dropout layers a training step runs (those we seed), and any random layers we cannot seed. */
export function dropoutLayers(plan: ModelPlan): { seeded: tf.layers.Layer[]; unseedable: string[] } {
  const all = [...plan.segments.flatMap((s) => s.layers), ...(plan.heads ?? [])];
  return {
    seeded: all.filter((l) => SEEDED.has(l.getClassName())),
    unseedable: all.filter((l) => UNSEEDABLE.has(l.getClassName())).map((l) => l.name),
  };
}

/**
 * Run `fn` (one training step) with every dropout layer seeded from `key` (e.g. [seed, phase,
 * step]); the layers' own seeds are restored afterwards, even when `fn` throws.
 * @example await withDropoutSeeds(layers, [config.seed, phaseIndex, stepInPhase], () => trainStep(ctx, batch));
 */
export async function withDropoutSeeds<T>(layers: tf.layers.Layer[], key: number[], fn: () => Promise<T>): Promise<T> {
  const saved = layers.map((l) => (l as Seeded).seed);
  layers.forEach((l, i) => { (l as Seeded).seed = mixSeed(...key, i); });
  try {
    return await fn();
  } finally {
    layers.forEach((l, i) => { (l as Seeded).seed = saved[i]; });
  }
}
