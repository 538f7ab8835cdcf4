/**
 * Keras HDF5 weight files written at test time with h5wasm (no binary fixtures are committed).
 *
 * `writeVgg16H5` mirrors the layout of the file `keras.applications.VGG16(include_top=False)`
 * downloads (`vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5`): root attribute `layer_names`
 * (input_1, block1_conv1, block1_conv2, block1_pool, …, block5_pool) as fixed-length byte strings,
 * a group per layer with attribute `weight_names` (an empty float64 array for layers without
 * weights, as h5py stores `[]`), and datasets `<layer>/<weight name>`. Every weight holds known
 * values, `fixtureValue(ordinal, weight, index)`, so tests can check where each one landed.
 */
import h5wasm from 'h5wasm/node';
import type { Group } from 'h5wasm/node';
import { tf } from '../src/core/tf.js';
import { VGG16_BLOCKS } from '../src/model/backbones/vgg16.js';

export type Naming = 'old' | 'new';

export interface FixtureWeight {
  /** As listed in `weight_names`: `block1_conv1/kernel:0` (new) or `block1_conv1_W_1:0` (old). */
  name: string;
  shape: number[];
}

export interface FixtureLayer {
  name: string;
  /** 1-based position among the layers with weights (the `ordinal` of `fixtureValue`). */
  ordinal: number;
  weights: FixtureWeight[];
}

export interface Vgg16H5Options {
  /** Weight names of Keras 2+ (`block1_conv1/kernel:0`, default) or of Keras 1 (`block1_conv1_W_1:0`). */
  naming?: Naming;
  /** Divide every filter count and dense width by this (1, the default, is the real VGG16: 14.7M floats). */
  scale?: number;
  /** Also write flatten, fc1, fc2 and predictions, as the include_top=True file has (fc1 is 102.8M floats at scale 1). */
  includeTop?: boolean;
  /**
   * Write a whole model as `model.save('m.h5')` does: root attribute `model_config`, and under
   * `model_weights` the layers input_2, vgg16 (the nested base: its weight_names are the inner
   * layers' weights), flatten, dense.
   */
  wholeModel?: boolean;
  /** Attribute strings as fixed-length byte strings (h5py's `bytes`, default) or variable-length. */
  strings?: 'fixed' | 'vlen';
  /** Split layer_names into layer_names0, layer_names1 as Keras does for lists over HDF5's 64 KiB attribute limit. */
  chunked?: boolean;
  /** Dataset type (default float32). */
  dtype?: 'float32' | 'float64';
  /** Multiply every value by this (default 1): 2^-30 gives weights below 0.02 that a network can run on. */
  valueScale?: number;
  mutate?: {
    /** Give one weight another shape (its values still follow `fixtureValue`). */
    reshape?: { layer: string; weight: number; shape: number[] };
    /** Leave a layer out of the file (and of layer_names). */
    drop?: string;
    /** Keep only the first `keep` weights of a layer (a weight-count mismatch). */
    truncate?: { layer: string; keep: number };
  };
}

export interface Vgg16H5Fixture {
  file: string;
  /** The layers with weights, as written (after mutations), in file order; a whole model ends with its head, `dense`. */
  layers: FixtureLayer[];
}

/**
 * The value at flat (row-major) `index` of weight `weight` of the `ordinal`-th layer with weights:
 * an integer below 2^24, so float32 holds it exactly, distinct across layers and weights.
 */
export function fixtureValue(ordinal: number, weight: number, index: number): number {
  return ordinal * 2 ** 20 + weight * 2 ** 19 + (index % 2 ** 19);
}

/** All values of one fixture weight. */
export function fixtureValues(ordinal: number, weight: number, shape: readonly number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const base = ordinal * 2 ** 20 + weight * 2 ** 19;
  for (let i = 0; i < n; i++) out[i] = base + (i % 2 ** 19);
  return out;
}

function weightName(naming: Naming, layer: string, kind: 'kernel' | 'bias'): string {
  return naming === 'new' ? `${layer}/${kind}:0` : `${layer}_${kind === 'kernel' ? 'W' : 'b'}_1:0`;
}

/** The VGG16 filter counts divided by `scale`. */
export function vgg16Filters(scale = 1): number[] {
  return VGG16_BLOCKS.map(([filters]) => Math.max(1, Math.round(filters / scale)));
}

/** VGG16's convolutional base with filters divided by `scale`, layer names as Keras's (scale 1: buildVgg16's shapes). */
export function buildScaledVgg16(height: number, width: number, scale: number): tf.LayersModel {
  const filters = vgg16Filters(scale);
  const input = tf.input({ shape: [height, width, 3], name: 'vgg16_input' });
  let x: tf.SymbolicTensor = input;
  VGG16_BLOCKS.forEach(([, convs], b) => {
    for (let i = 1; i <= convs; i++) {
      x = tf.layers.conv2d({ filters: filters[b], kernelSize: 3, padding: 'same', activation: 'relu', name: `block${b + 1}_conv${i}` }).apply(x) as tf.SymbolicTensor;
    }
    x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `block${b + 1}_pool` }).apply(x) as tf.SymbolicTensor;
  });
  return tf.model({ inputs: input, outputs: x, name: 'vgg16' });
}

interface PlannedLayer { name: string; weights: { name: string; shape: number[]; ordinal: number; index: number }[] }

/** The layers of the notop file (or include_top file), weightless ones included, in Keras's order. */
function planVgg16(naming: Naming, scale: number, includeTop: boolean): PlannedLayer[] {
  const filters = vgg16Filters(scale);
  const layers: PlannedLayer[] = [{ name: 'input_1', weights: [] }];
  let cin = 3;
  let ordinal = 0;
  const dense = (name: string, shapes: [number[], number[]]) => {
    ordinal++;
    layers.push({ name, weights: (['kernel', 'bias'] as const).map((k, i) => ({ name: weightName(naming, name, k), shape: shapes[i], ordinal, index: i })) });
  };
  VGG16_BLOCKS.forEach(([, convs], b) => {
    for (let i = 1; i <= convs; i++) {
      dense(`block${b + 1}_conv${i}`, [[3, 3, cin, filters[b]], [filters[b]]]);
      cin = filters[b];
    }
    layers.push({ name: `block${b + 1}_pool`, weights: [] });
  });
  if (includeTop) {
    const units = Math.max(1, Math.round(4096 / scale));
    layers.push({ name: 'flatten', weights: [] });
    dense('fc1', [[7 * 7 * cin, units], [units]]);
    dense('fc2', [[units, units], [units]]);
    dense('predictions', [[units, 1000], [1000]]);
  }
  return layers;
}

function setStrings(obj: Group, name: string, values: string[], strings: 'fixed' | 'vlen', scalar = false): void {
  if (values.length === 0) {
    obj.create_attribute(name, new Float64Array(0));
    return;
  }
  const data = scalar ? values[0] : values;
  if (strings === 'vlen') obj.create_attribute(name, data);
  else obj.create_attribute(name, data, null, `A${Math.max(1, ...values.map((v) => new TextEncoder().encode(v).length))}`);
}

/** Create `rel` under `group`, making the groups on the way (h5wasm does not). */
function putDataset(group: Group, rel: string, data: Float32Array | Float64Array, shape: number[]): void {
  const parts = rel.split('/');
  let g = group;
  for (const p of parts.slice(0, -1)) g = g.keys().includes(p) ? (g.get(p) as Group) : g.create_group(p);
  g.create_dataset({ name: parts.at(-1)!, data, shape });
}

/**
 * Write a VGG16 weights file laid out as Keras's (see the module comment) and return what was
 * written. Scale 1 writes the real 14.7M-float notop file (59 MB); tests mostly use scale 16.
 */
export async function writeVgg16H5(file: string, opts: Vgg16H5Options = {}): Promise<Vgg16H5Fixture> {
  await h5wasm.ready;
  const naming = opts.naming ?? 'new';
  const strings = opts.strings ?? 'fixed';
  const m = opts.mutate ?? {};
  let layers = planVgg16(naming, opts.scale ?? 1, opts.includeTop ?? false);
  if (m.drop) layers = layers.filter((l) => l.name !== m.drop);
  if (m.truncate) {
    const t = layers.find((l) => l.name === m.truncate!.layer)!;
    t.weights = t.weights.slice(0, m.truncate.keep);
  }
  if (m.reshape) layers.find((l) => l.name === m.reshape!.layer)!.weights[m.reshape.weight].shape = m.reshape.shape;
  const values = (w: PlannedLayer['weights'][number]) => {
    const v = fixtureValues(w.ordinal, w.index, w.shape);
    if (opts.valueScale !== undefined) for (let i = 0; i < v.length; i++) v[i] *= opts.valueScale;
    return opts.dtype === 'float64' ? Float64Array.from(v) : v;
  };

  let head: PlannedLayer | undefined;
  const f = new h5wasm.File(file, 'w');
  try {
    if (naming === 'new') {
      setStrings(f, 'backend', ['tensorflow'], strings, true);
      setStrings(f, 'keras_version', [opts.wholeModel ? '2.4.0' : '2.2.4'], strings, true);
    }
    let top: Group = f;
    if (opts.wholeModel) {
      setStrings(f, 'model_config', [JSON.stringify({ class_name: 'Sequential', config: { name: 'sequential', layers: [{ class_name: 'Functional', config: { name: 'vgg16' } }, { class_name: 'Flatten' }, { class_name: 'Dense', config: { name: 'dense', units: 10 } }] } })], strings, true);
      setStrings(f, 'training_config', [JSON.stringify({ loss: 'categorical_crossentropy' })], strings, true);
      f.create_group('optimizer_weights');
      top = f.create_group('model_weights');
      if (naming === 'new') {
        setStrings(top, 'backend', ['tensorflow'], strings, true);
        setStrings(top, 'keras_version', ['2.4.0'], strings, true);
      }
      const cout = layers.filter((l) => l.weights.length > 0).at(-1)!.weights.at(-1)!.shape[0];
      head = { name: 'dense', weights: [
        { name: weightName(naming, 'dense', 'kernel'), shape: [cout, 10], ordinal: 14, index: 0 },
        { name: weightName(naming, 'dense', 'bias'), shape: [10], ordinal: 14, index: 1 },
      ] };
      setStrings(top, 'layer_names', ['input_2', 'vgg16', 'flatten', 'dense'], strings);
      setStrings(top.create_group('input_2'), 'weight_names', [], strings);
      const base = top.create_group('vgg16');
      const inner = layers.filter((l) => l.weights.length > 0).flatMap((l) => l.weights);
      setStrings(base, 'weight_names', inner.map((w) => w.name), strings);
      for (const w of inner) putDataset(base, w.name, values(w), w.shape);
      setStrings(top.create_group('flatten'), 'weight_names', [], strings);
      const g = top.create_group('dense');
      setStrings(g, 'weight_names', head.weights.map((w) => w.name), strings);
      for (const w of head.weights) putDataset(g, w.name, values(w), w.shape);
    } else {
      const names = layers.map((l) => l.name);
      if (opts.chunked) {
        const half = names.length >> 1;
        setStrings(top, 'layer_names0', names.slice(0, half), strings);
        setStrings(top, 'layer_names1', names.slice(half), strings);
      } else {
        setStrings(top, 'layer_names', names, strings);
      }
      for (const l of layers) {
        const g = top.create_group(l.name);
        setStrings(g, 'weight_names', l.weights.map((w) => w.name), strings);
        for (const w of l.weights) putDataset(g, w.name, values(w), w.shape);
      }
    }
  } finally {
    f.close();
  }
  return {
    file,
    layers: [...layers, ...(head ? [head] : [])].filter((l) => l.weights.length > 0).map((l) => ({
      name: l.name,
      ordinal: l.weights[0].ordinal,
      weights: l.weights.map((w) => ({ name: w.name, shape: w.shape })),
    })),
  };
}
