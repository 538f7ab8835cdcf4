/**
 * Keras HDF5 weight files read into a `layer name → tensors in Keras order` map
 * (see ./layer_weights.ts), so that the weights Keras downloads for its applications
 * (`vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5`), `model.save_weights('w.h5')` and
 * whole models from `model.save('model.h5')` load into our models by layer name.
 *
 * Layout (Keras's `legacy_h5_format.py`, Keras 1 to 3): the root, or the group `model_weights` of a
 * whole-model file, has the attribute `layer_names` (every layer, also those without weights);
 * each layer is a group with the attribute `weight_names`; each weight is the dataset
 * `<layer>/<weight name>`. Weight names are `block1_conv1/kernel:0` (Keras 2 and later) or
 * `block1_conv1_W_1:0` (Keras 1). A nested model (a `vgg16` layer inside the saved model) lists its
 * inner layers' weights, which are mapped to the inner layer names. Kernels of TensorFlow-ordering
 * files are HWIO, as in TF.js: nothing is transposed.
 *
 * h5wasm is loaded on first use, so importing this module costs nothing until a file is read.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Dataset, Group, OutputData } from 'h5wasm/node';
import { tf } from '../core/tf.js';
import { BranchnetError, fail } from '../core/errors.js';
import { noteSavedLayerName, readTfjsLayerWeights, type LayerWeightMap } from './layer_weights.js';

/** The eight bytes every HDF5 file starts with (at offset 0, 512, 1024, … after a user block). */
export const HDF5_SIGNATURE = Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** File extensions read as Keras HDF5 by `readLayerWeights`. */
export const H5_EXTENSIONS = ['.h5', '.hdf5'];

const EXPECTED = 'expected a Keras .h5 weights file such as vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5 (from model.save_weights(\'w.h5\') or model.save(\'model.h5\'))';

type H5Lib = typeof import('h5wasm/node').default;
type H5Module = Awaited<H5Lib['ready']>;
let loading: Promise<{ lib: H5Lib; module: H5Module }> | undefined;

/** h5wasm, loaded (and its wasm compiled) once, on first use. */
function h5(): Promise<{ lib: H5Lib; module: H5Module }> {
  loading ??= import('h5wasm/node').then(async (m) => ({ lib: m.default, module: await m.default.ready }));
  return loading;
}

/** Whether `file` carries the HDF5 signature at offset 0 or at a user-block offset (512 · 2^k). */
export async function hasHdf5Signature(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const buf = new Uint8Array(8);
    for (let offset = 0; offset + 8 <= size; offset = offset === 0 ? 512 : offset * 2) {
      const { bytesRead } = await handle.read(buf, 0, 8, offset);
      if (bytesRead === 8 && buf.every((b, i) => b === HDF5_SIGNATURE[i])) return true;
    }
    return false;
  } finally {
    await handle.close();
  }
}

/** Fail unless `file` can be read and looks like HDF5. */
async function checkHdf5(file: string): Promise<void> {
  let size: number;
  let isHdf5: boolean;
  try {
    const stat = await fs.stat(file);
    if (stat.isDirectory()) fail('E_WEIGHTS', `${file}: is a folder; ${EXPECTED}`);
    size = stat.size;
    isHdf5 = await hasHdf5Signature(file);
  } catch (e) {
    if (e instanceof BranchnetError) throw e;
    fail('E_WEIGHTS', `${file}: cannot read (${(e as Error).message}); ${EXPECTED}`, e);
  }
  if (size === 0) fail('E_WEIGHTS', `${file}: the file is empty (an interrupted download?); ${EXPECTED}`);
  if (!isHdf5) fail('E_WEIGHTS', `${file}: not an HDF5 file (no HDF5 signature); ${EXPECTED}`);
}

/** The innermost message of an HDF5 error stack ("file signature not found", "truncated file: …"). */
function hdf5Reason(e: unknown): string {
  const text = String((e as Error)?.message ?? e);
  const frames = [...text.matchAll(/#\d+: .*? in [\w.]+\(\): (.*)$/gm)].map((m) => m[1].trim());
  return frames.at(-1) ?? text.split('\n')[0].trim();
}

/** Strings from an attribute value: fixed-length or variable-length, scalar or array. */
function strings(value: OutputData | null): string[] | undefined {
  if (value === null) return [];
  if (typeof value === 'string') return [value.replace(/[\0 ]+$/, '')];
  if (Array.isArray(value)) {
    const out: string[] = [];
    for (const v of value) {
      if (typeof v === 'string') out.push(v.replace(/[\0 ]+$/, ''));
      else if (v instanceof Uint8Array) out.push(new TextDecoder().decode(v).replace(/[\0 ]+$/, ''));
      else return undefined;
    }
    return out;
  }
  // h5py stores an empty list as an empty float64 array.
  if (ArrayBuffer.isView(value) && value.length === 0) return [];
  return undefined;
}

/**
 * A string-list attribute as Keras's `load_attributes_from_hdf5_group` reads it: `name`, or, when
 * Keras had to split a long list (HDF5 caps attribute size at 64 KiB), `name0`, `name1`, ….
 * Undefined when absent.
 */
function readNames(file: string, obj: Group, name: string): string[] | undefined {
  const attrs = obj.attrs;
  const parts: string[] = [];
  if (name in attrs) parts.push(name);
  else for (let i = 0; `${name}${i}` in attrs; i++) parts.push(`${name}${i}`);
  if (parts.length === 0) return undefined;
  const out: string[] = [];
  for (const p of parts) {
    const s = strings(attrs[p].value);
    if (!s) fail('E_WEIGHTS', `${file}: attribute ${p} of ${obj.path} is not a list of strings (dtype ${String(attrs[p].dtype)}); ${EXPECTED}`);
    out.push(...s);
  }
  return out;
}

function readString(obj: Group, name: string): string | undefined {
  const attrs = obj.attrs;
  if (!(name in attrs)) return undefined;
  return strings(attrs[name].value)?.[0];
}

/** Keras 1 weight names: `<layer>_W_1:0`, `<layer>_b_1:0`, `<layer>_gamma_1:0`, …. */
const KERAS1_WEIGHT = /^(.+)_(W|b|U|V|gamma|beta|running_mean|running_std|moving_mean|moving_variance|kernel|bias|depthwise_kernel|pointwise_kernel|alphas)(_\d+)?(:\d+)?$/;

/** The layer a weight belongs to, from its name; `group` when the name does not say. */
function ownerOf(weightName: string, group: string): string {
  const parts = weightName.split('/');
  if (parts.length > 1) return parts.at(-2)!;
  return KERAS1_WEIGHT.exec(weightName)?.[1] ?? group;
}

interface RawWeight { data: Float32Array; shape: number[] }
interface RawLayer { key: string; saved: string; weights: RawWeight[] }

function readDataset(lib: H5Lib, file: string, group: Group, layer: string, weightName: string): RawWeight {
  const ds = group.get(weightName);
  if (!(ds instanceof lib.Dataset)) {
    fail('E_WEIGHTS', `${file}: weight ${weightName} of layer ${layer} is listed in weight_names but ${group.path}/${weightName} is not a dataset in the file; the file is damaged`);
  }
  const dataset: Dataset = ds;
  const dtype = String(dataset.dtype);
  if (dtype !== '<f' && dtype !== '<d') {
    fail('E_WEIGHTS', `${file}: weight ${weightName} of layer ${layer} is stored as ${dtype}; expected little-endian float32 (<f) or float64 (<d)`);
  }
  const shape = dataset.shape ?? [];
  const value = dataset.value;
  const data = value instanceof Float32Array ? value : value instanceof Float64Array ? Float32Array.from(value) : undefined;
  const count = shape.reduce((a, b) => a * b, 1);
  if (!data || data.length !== count) {
    fail('E_WEIGHTS', `${file}: weight ${weightName} of layer ${layer} did not read as ${count} numbers of shape [${shape.join(', ')}]; the file is damaged`);
  }
  return { data, shape };
}

/** Find the group holding `layer_names`: the root (weights file) or `model_weights` (whole model). */
function weightsGroup(lib: H5Lib, file: string, root: Group): Group {
  const rootAttrs = Object.keys(root.attrs);
  if (rootAttrs.includes('layer_names') || rootAttrs.includes('layer_names0')) return root;
  const keys = root.keys();
  if (keys.includes('model_weights')) {
    const g = root.get('model_weights');
    if (g instanceof lib.Group) {
      const attrs = Object.keys(g.attrs);
      if (attrs.includes('layer_names') || attrs.includes('layer_names0')) return g;
    }
    fail('E_WEIGHTS', `${file}: a whole-model file whose model_weights group has no layer_names attribute; ${EXPECTED}`);
  }
  if (keys.includes('layers') || keys.includes('vars')) {
    fail('E_WEIGHTS', `${file}: a Keras 3 .weights.h5 file (weights under layers/…/vars, stored by position, not by layer name), which cannot be matched to layers by name; ${EXPECTED}. In Keras 3, model.save('model.h5') writes one`);
  }
  fail('E_WEIGHTS', `${file}: an HDF5 file without a layer_names attribute (at the root or in model_weights); ${EXPECTED}`);
}

/** Every layer with weights, in file order, read into plain arrays (no tensors yet). */
function readLayers(lib: H5Lib, file: string, root: Group): RawLayer[] {
  const top = weightsGroup(lib, file, root);
  const backend = readString(top, 'backend') ?? readString(root, 'backend');
  if (backend === 'theano') {
    fail('E_WEIGHTS', `${file}: saved with the Theano backend, whose convolution kernels are flipped; take the TensorFlow-ordering file (…_tf_dim_ordering_tf_kernels….h5)`);
  }
  const layerNames = readNames(file, top, 'layer_names')!;
  const where = top === root ? '' : `${top.path.replace(/^\//, '')}/`;
  const out: RawLayer[] = [];
  const seen = new Map<string, string>();
  for (const name of layerNames) {
    const group = top.get(name);
    if (!(group instanceof lib.Group)) {
      fail('E_WEIGHTS', `${file}: layer ${name} is listed in layer_names but the file has no group ${where}${name}; the file is damaged`);
    }
    const weightNames = readNames(file, group, 'weight_names') ?? [];
    if (weightNames.length === 0) continue;
    const owners = weightNames.map((w) => ownerOf(w, name));
    const nested = new Set(owners).size > 1;
    const byOwner = new Map<string, RawWeight[]>();
    weightNames.forEach((w, i) => {
      const key = nested ? owners[i] : name;
      if (!byOwner.has(key)) byOwner.set(key, []);
      byOwner.get(key)!.push(readDataset(lib, file, group, name, w));
    });
    for (const [key, weights] of byOwner) {
      const saved = nested ? `${name}/${key}` : name;
      const before = seen.get(key);
      if (before !== undefined) {
        fail('E_WEIGHTS', `${file}: two layers of the save file are named ${key} (${where}${before} and ${where}${saved}); cannot tell which one to load`);
      }
      seen.set(key, saved);
      out.push({ key, saved, weights });
    }
  }
  return out;
}

/**
 * Read a Keras HDF5 weights file (`save_weights`, a Keras applications download, or a whole model
 * from `model.save`) into `layer name → tensors in Keras order`. Weights are float32; float64
 * files are converted. The caller disposes the tensors.
 * @example const w = await readKerasH5Weights('vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5');
 */
export async function readKerasH5Weights(file: string): Promise<LayerWeightMap> {
  await checkHdf5(file);
  const { lib, module } = await h5();
  let layers: RawLayer[];
  // Make HDF5 errors throw (instead of printing to stderr and returning garbage) while we read.
  module.activate_throwing_error_handler();
  let f: InstanceType<H5Lib['File']> | undefined;
  try {
    try {
      f = new lib.File(file, 'r');
    } catch (e) {
      fail('E_WEIGHTS', `${file}: cannot open as HDF5 (${hdf5Reason(e)}); ${EXPECTED}; the file may be damaged or an incomplete download`, e);
    }
    if (f.file_id < 0n) fail('E_WEIGHTS', `${file}: cannot open as HDF5; ${EXPECTED}`);
    try {
      layers = readLayers(lib, file, f);
    } catch (e) {
      if (e instanceof BranchnetError) throw e;
      fail('E_WEIGHTS', `${file}: cannot read (${hdf5Reason(e)}); ${EXPECTED}; the file may be damaged or an incomplete download`, e);
    }
  } finally {
    try { if (f && f.file_id >= 0n) f.close(); } finally { module.deactivate_throwing_error_handler(); }
  }
  const map: LayerWeightMap = new Map();
  for (const { key, saved, weights } of layers) {
    map.set(key, weights.map((w) => tf.tensor(w.data, w.shape, 'float32')));
    noteSavedLayerName(map, key, saved);
  }
  return map;
}

/**
 * Read pretrained layer weights from whatever the user gave: a Keras HDF5 file (`.h5`, `.hdf5`, or
 * any file with the HDF5 signature), a TF.js layers `model.json` (or the folder holding it).
 * @example const w = await readLayerWeights('vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5');
 */
export async function readLayerWeights(file: string): Promise<LayerWeightMap> {
  const expected = 'give a Keras .h5 weights file (such as vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5) or the model.json of a TF.js layers model';
  let isDir: boolean;
  let isHdf5 = false;
  try {
    isDir = (await fs.stat(file)).isDirectory();
    if (!isDir) isHdf5 = await hasHdf5Signature(file);
  } catch (e) {
    fail('E_WEIGHTS', `${file}: cannot read (${(e as Error).message}); ${expected}`, e);
  }
  if (isDir) {
    const json = path.join(file, 'model.json');
    if (await fs.stat(json).then((s) => s.isFile(), () => false)) return readTfjsLayerWeights(json);
    fail('E_WEIGHTS', `${file}: a folder without model.json; ${expected}`);
  }
  const name = path.basename(file).toLowerCase();
  if (isHdf5 || H5_EXTENSIONS.some((ext) => name.endsWith(ext))) return readKerasH5Weights(file);
  if (name.endsWith('.json')) return readTfjsLayerWeights(file);
  fail('E_WEIGHTS', `${file}: neither an HDF5 file nor a .json file; ${expected}`);
}
