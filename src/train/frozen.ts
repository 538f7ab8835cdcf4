/**
 * The frozen prefix of each branch, run as inference: by onnxruntime when it is installed (an
 * ONNX graph exported from the TF.js layers themselves; 2-3x faster than TF.js wasm on a VGG16
 * base), else by TF.js off the gradient tape. Optionally cached per image (`--cache-backbone`,
 * Chollet's "fast feature extraction": each image's features are computed once, so the frozen
 * base costs nothing after the first epoch; only valid without augmentation, which train()
 * turns off with it).
 *
 * Validation batches (`run(x, paths, { fixed: true })`: never augmented, so an image's
 * features are the same in every epoch of a phase) are cached per image by default, within
 * VAL_CACHE_DEFAULTS.maxBytes (issue #15, lever 1; `BRANCHNET_VAL_CACHE=0` turns it off):
 * only the images of a batch not seen before in the phase go through the frozen prefix.
 *
 * The frozen layers do not change during a phase, so one runner serves a whole phase; fit()
 * makes a new one when a phase unfreezes layers (and so starts with empty caches).
 */
import { tf } from '../core/tf.js';
import { OrtModel } from '../onnx/session.js';
import { runLayers, type ModelPlan } from './plan.js';
import { VAL_CACHE_DEFAULTS, valCacheEnabled } from '../core/defaults.js';

/** Where frozen layers run: auto = onnxruntime when installed, else TF.js. */
export type FrozenEngine = 'auto' | 'tfjs' | 'onnxruntime';

/** What the validation cache did during a runner's life (one phase), summed over branches. */
export interface ValCacheStats {
  /** Whether the cache is on (the counters count with it off too). */
  on: boolean;
  /** Images of validation batches that went through a frozen prefix. */
  computed: number;
  /** Images of validation batches served from the cache instead. */
  reused: number;
  /** Bytes of features held. */
  bytes: number;
  /** Images not cached because the cache was full (computed again each time they come). */
  uncached: number;
}

export interface FrozenRunner {
  /**
   * Outputs of each segment's frozen prefix (the input itself for a segment with none). Caller
   * disposes those that are not `x`. `fixed`: the batch is not augmented (validation), so an
   * image's features may be reused for the rest of the phase.
   */
  run(x: tf.Tensor4D, paths?: readonly string[], how?: { fixed?: boolean }): Promise<tf.Tensor[]>;
  /** The validation cache's counters (all zero when it is off). */
  readonly valStats: ValCacheStats;
  /** What runs each segment's prefix, for logs. */
  readonly description: string;
  /** Release the onnxruntime sessions (and their memory arenas) and the feature cache. */
  dispose(): Promise<void>;
}

/** A fresh model holding copies of a chain of layers (the originals stay untouched in their model). */
export function chainModel(layers: tf.layers.Layer[], inputShape: number[], name: string): tf.LayersModel {
  const input = tf.input({ shape: inputShape, name: `${name}_input` });
  let x: tf.SymbolicTensor = input;
  const copies: [tf.layers.Layer, tf.layers.Layer][] = [];
  for (const l of layers) {
    const cls = l.constructor as unknown as { fromConfig(c: unknown, cfg: tf.serialization.ConfigDict): tf.layers.Layer };
    const copy = cls.fromConfig(cls, l.getConfig());
    x = copy.apply(x) as tf.SymbolicTensor;
    copies.push([l, copy]);
  }
  const model = tf.model({ inputs: input, outputs: x, name });
  for (const [l, copy] of copies) {
    const ws = l.getWeights();
    if (ws.length) copy.setWeights(ws);
  }
  return model;
}

/** Whether a prefix is worth handing to another engine (it has convolutions, where the time goes). */
function heavy(layers: tf.layers.Layer[]): boolean {
  return layers.some((l) => /Conv/.test(l.getClassName()));
}

export async function makeFrozenRunner(
  plan: ModelPlan,
  inputShape: [number, number, number],
  opts: { engine?: FrozenEngine; threads?: number; cache?: boolean; valCache?: boolean | { maxBytes: number } } = {},
): Promise<FrozenRunner> {
  const engine = opts.engine ?? 'auto';
  const ort: (OrtModel | null)[] = [];
  for (const [i, s] of plan.segments.entries()) {
    const prefix = s.layers.slice(0, s.frozenCount);
    if (engine === 'tfjs' || prefix.length === 0 || !heavy(prefix)) { ort.push(null); continue; }
    const chain = chainModel(prefix, inputShape, `frozen_${i}`);
    try {
      const m = await OrtModel.create(chain, { threads: opts.threads });
      if (m === null && engine === 'onnxruntime') {
        throw new Error('onnxruntime-node is not installed; install it (npm install onnxruntime-node) or use --engine tfjs');
      }
      ort.push(m);
    } finally {
      chain.dispose();
    }
  }
  const caches = plan.segments.map(() => new Map<string, Float32Array>());
  const valOn = opts.valCache ?? valCacheEnabled();
  const valMax = typeof valOn === 'object' ? valOn.maxBytes : VAL_CACHE_DEFAULTS.maxBytes;
  const valCaches = valOn ? plan.segments.map(() => new Map<string, Float32Array>()) : null;
  const valStats: ValCacheStats = { on: Boolean(valOn), computed: 0, reused: 0, bytes: 0, uncached: 0 };
  const describe = plan.segments.map((s, i) => `${s.head}: ${s.frozenCount} frozen layer${s.frozenCount === 1 ? '' : 's'}${s.frozenCount ? ` on ${ort[i] ? 'onnxruntime' : 'tfjs'}` : ''}${opts.cache && s.frozenCount ? ', cached per image' : ''}${valCaches && s.frozenCount ? ', validation features computed once' : ''}`).join('; ');

  async function compute(i: number, x: tf.Tensor4D): Promise<tf.Tensor> {
    const s = plan.segments[i];
    const m = ort[i];
    if (m) return (await m.run(x))[0];
    return tf.tidy(() => runLayers(s.layers.slice(0, s.frozenCount), x, false));
  }

  /**
   * A validation batch: the images not in the cache go through the prefix (as a sub-batch when
   * some are cached) and are kept while the cache has room; the rest come from the cache.
   */
  async function fixedRun(i: number, x: tf.Tensor4D, paths: readonly string[]): Promise<tf.Tensor> {
    const cache = valCaches![i];
    const shape = (plan.segments[i].layers[plan.segments[i].frozenCount - 1].outputShape as number[]).slice(1);
    const misses = paths.flatMap((p, k) => (cache.has(p) ? [] : [k]));
    valStats.reused += paths.length - misses.length;
    valStats.computed += misses.length;
    let fresh: Float32Array | null = null;
    if (misses.length === paths.length) {
      const features = await compute(i, x);
      store(i, paths, features.dataSync() as Float32Array);
      return features;
    }
    if (misses.length) {
      const sub = tf.tidy(() => tf.gather(x, misses) as tf.Tensor4D);
      const features = await compute(i, sub);
      fresh = (features.dataSync() as Float32Array).slice();
      tf.dispose([sub, features]);
      store(i, misses.map((k) => paths[k]), fresh);
    }
    const per = shape.reduce((a, b) => a * b, 1);
    const joined = new Float32Array(per * paths.length);
    const missAt = new Map(misses.map((k, m) => [k, m]));
    paths.forEach((p, k) => {
      const m = missAt.get(k);
      joined.set(m === undefined ? cache.get(p)! : fresh!.subarray(m * per, (m + 1) * per), k * per);
    });
    return tf.tensor(joined, [paths.length, ...shape]);
  }

  function store(i: number, paths: readonly string[], data: Float32Array): void {
    const per = data.length / paths.length;
    paths.forEach((p, k) => {
      if (valCaches![i].has(p)) return; // the same image twice in one batch
      if (valStats.bytes + per * 4 > valMax) { valStats.uncached++; return; }
      valCaches![i].set(p, data.slice(k * per, (k + 1) * per));
      valStats.bytes += per * 4;
    });
  }

  return {
    description: describe,
    valStats,
    async run(x, paths, how = {}) {
      const out: tf.Tensor[] = [];
      for (const [i, s] of plan.segments.entries()) {
        if (s.frozenCount === 0) { out.push(x); continue; }
        if (how.fixed && valCaches && paths && paths.length === x.shape[0]) { out.push(await fixedRun(i, x, paths)); continue; }
        if (how.fixed) valStats.computed += x.shape[0];
        const cache = caches[i];
        if (!opts.cache || !paths || paths.length !== x.shape[0]) { out.push(await compute(i, x)); continue; }
        const hits = paths.map((p) => cache.get(p));
        if (hits.every((h) => h !== undefined)) {
          const per = hits[0]!.length;
          const joined = new Float32Array(per * paths.length);
          hits.forEach((h, k) => joined.set(h!, k * per));
          out.push(tf.tensor(joined, [paths.length, ...(s.layers[s.frozenCount - 1].outputShape as number[]).slice(1)]));
          continue;
        }
        const features = await compute(i, x);
        const data = features.dataSync() as Float32Array;
        const per = data.length / paths.length;
        paths.forEach((p, k) => cache.set(p, data.slice(k * per, (k + 1) * per)));
        out.push(features);
      }
      return out;
    },
    async dispose() {
      for (const c of [...caches, ...(valCaches ?? [])]) c.clear();
      await Promise.all(ort.map((m) => m?.dispose()));
    },
  };
}
