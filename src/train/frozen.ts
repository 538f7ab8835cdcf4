/**
 * The frozen prefix of each branch, run as inference: by onnxruntime when it is installed (an
 * ONNX graph exported from the TF.js layers themselves; 2-3x faster than TF.js wasm on a VGG16
 * base), else by TF.js off the gradient tape. Optionally cached per image (`--cache-backbone`,
 * Chollet's "fast feature extraction": each image's features are computed once, so the frozen
 * base costs nothing after the first epoch; only valid without augmentation, which train()
 * turns off with it).
 *
 * The frozen layers do not change during a phase, so one runner serves a whole phase; fit()
 * makes a new one when a phase unfreezes layers.
 */
import { tf } from '../core/tf.js';
import { OrtModel } from '../onnx/session.js';
import { runLayers, type ModelPlan } from './plan.js';

/** Where frozen layers run: auto = onnxruntime when installed, else TF.js. */
export type FrozenEngine = 'auto' | 'tfjs' | 'onnxruntime';

export interface FrozenRunner {
  /** Outputs of each segment's frozen prefix (the input itself for a segment with none). Caller disposes those that are not `x`. */
  run(x: tf.Tensor4D, paths?: readonly string[]): Promise<tf.Tensor[]>;
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
  opts: { engine?: FrozenEngine; threads?: number; cache?: boolean } = {},
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
  const describe = plan.segments.map((s, i) => `${s.head}: ${s.frozenCount} frozen layer${s.frozenCount === 1 ? '' : 's'}${s.frozenCount ? ` on ${ort[i] ? 'onnxruntime' : 'tfjs'}` : ''}${opts.cache && s.frozenCount ? ', cached per image' : ''}`).join('; ');

  async function compute(i: number, x: tf.Tensor4D): Promise<tf.Tensor> {
    const s = plan.segments[i];
    const m = ort[i];
    if (m) return (await m.run(x))[0];
    return tf.tidy(() => runLayers(s.layers.slice(0, s.frozenCount), x, false));
  }

  return {
    description: describe,
    async run(x, paths) {
      const out: tf.Tensor[] = [];
      for (const [i, s] of plan.segments.entries()) {
        if (s.frozenCount === 0) { out.push(x); continue; }
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
      for (const c of caches) c.clear();
      await Promise.all(ort.map((m) => m?.dispose()));
    },
  };
}
