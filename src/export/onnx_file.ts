/**
 * A saved model as one self-describing `.onnx` file: exportOnnx's graph (plain Conv nodes, NHWC
 * input named as the TF.js input, one output per head named by the head) plus ONNX
 * metadata_props that carry what a consumer needs to feed it and read it:
 *
 *   branchnet.heads        JSON [{ name, vocab }] in output order
 *   branchnet.vocab.<head> JSON array of that head's labels, index = output position
 *   branchnet.preprocess   JSON { height, width, interpolation, preprocess, layout, channels, range, alpha }
 *   branchnet.input        the input name
 *   branchnet.format_version
 *
 * `verifyOnnx` runs generated images through onnxruntime and TF.js and returns the largest
 * difference, which `branchnet export` prints.
 */
import fs from 'node:fs/promises';
import pkg from 'onnx-proto';
import { tf } from '../core/tf.js';
import { fail } from '../core/errors.js';
import { EXPORT_DEFAULTS } from '../core/defaults.js';
import { preprocess } from '../data/preprocess.js';
import type { ModelMeta } from '../io/model_dir.js';
import { loadOrt } from '../onnx/session.js';
import { exportOnnx } from '../onnx/export.js';

const { onnx } = pkg;

export const ONNX_METADATA_VERSION = '1';

/** What the ONNX graph takes and gives: names and dims (null for a symbolic dim such as the batch). */
export interface OnnxSignature {
  inputs: { name: string; dims: (number | null)[] }[];
  outputs: { name: string; dims: (number | null)[] }[];
}

/** The metadata_props written into the file, as plain key → value. */
export function onnxMetadata(meta: ModelMeta, inputName: string): Record<string, string> {
  const { height, width, preprocess: mode } = meta.config.model;
  const props: Record<string, string> = {
    'branchnet.format_version': ONNX_METADATA_VERSION,
    'branchnet.input': inputName,
    'branchnet.heads': JSON.stringify(meta.heads.map((h) => ({ name: h.name, vocab: h.vocab }))),
    'branchnet.preprocess': JSON.stringify({
      height, width, interpolation: meta.config.data.interpolation, preprocess: mode,
      layout: 'nhwc', channels: 'rgb', range: '0-255 before preprocess', alpha: 'composited onto white',
    }),
  };
  for (const h of meta.heads) props[`branchnet.vocab.${h.name}`] = JSON.stringify(h.vocab);
  return props;
}

/**
 * Export a model to ONNX bytes with branchnet's metadata. Winograd stays off (plain Conv nodes,
 * what other runtimes and GPUs expect).
 * @example const bytes = onnxWithMetadata(model, meta); fs.writeFileSync('model.onnx', bytes);
 */
export function onnxWithMetadata(model: tf.LayersModel, meta: ModelMeta, opts: { opset?: number } = {}): Uint8Array {
  const bytes = exportOnnx(model, { opset: opts.opset ?? EXPORT_DEFAULTS.opset, winograd: false });
  const proto = onnx.ModelProto.decode(bytes);
  const inputName = proto.graph?.input?.[0]?.name ?? 'images';
  proto.metadataProps = Object.entries(onnxMetadata(meta, inputName)).map(([key, value]) => ({ key, value }));
  proto.docString = `branchnet model: heads ${meta.heads.map((h) => `${h.name} [${h.vocab.join(', ')}]`).join('; ')}; input ${inputName} NHWC float32, see metadata branchnet.preprocess`;
  return onnx.ModelProto.encode(proto).finish();
}

/** Whether `file` is an ONNX file written by branchnet export (it carries our metadata). */
export async function isBranchnetOnnx(file: string): Promise<boolean> {
  try {
    const proto = onnx.ModelProto.decode(await fs.readFile(file));
    return (proto.metadataProps ?? []).some((p) => p.key === 'branchnet.format_version');
  } catch {
    return false;
  }
}

/** Input and output names and dims of an ONNX file, read back from its graph. */
export function onnxSignature(bytes: Uint8Array): OnnxSignature {
  const g = onnx.ModelProto.decode(bytes).graph;
  if (!g) fail('E_ONNX', 'the ONNX file has no graph');
  const io = (v: { name?: string | null; type?: { tensorType?: { shape?: { dim?: { dimValue?: unknown; dimParam?: string | null }[] | null } | null } | null } | null }) => ({
    name: v.name ?? '',
    dims: (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimValue != null && !d.dimParam ? Number(d.dimValue) : null)),
  });
  const initializers = new Set((g.initializer ?? []).map((t) => t.name));
  return { inputs: (g.input ?? []).filter((v) => !initializers.has(v.name)).map(io), outputs: (g.output ?? []).map(io) };
}

/** A few reproducible images of random pixels (0–255), preprocessed as the model expects. */
function verificationBatch(meta: ModelMeta, n: number, seed: number): Float32Array {
  const { height, width, preprocess: mode } = meta.config.model;
  const per = height * width * 3;
  const x = new Float32Array(n * per);
  const px = new Uint8Array(per);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < per; k++) {
      s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
      px[k] = s & 255;
    }
    preprocess(px, mode, x.subarray(i * per, (i + 1) * per));
  }
  return x;
}

/**
 * Run `n` generated images through the ONNX bytes (onnxruntime) and the TF.js model; the largest
 * absolute difference over every output. Fails E_BACKEND when onnxruntime-node is missing.
 */
export async function verifyOnnx(bytes: Uint8Array, model: tf.LayersModel, meta: ModelMeta, opts: { images?: number; seed?: number } = {}): Promise<{ images: number; maxAbsDiff: number }> {
  const ort = await loadOrt();
  if (!ort) fail('E_BACKEND', 'verifying the ONNX file needs onnxruntime-node, which is not installed; run `npm install onnxruntime-node`, or pass --no-verify');
  const n = opts.images ?? EXPORT_DEFAULTS.verifyImages;
  const { height, width } = meta.config.model;
  const x = verificationBatch(meta, n, opts.seed ?? EXPORT_DEFAULTS.verifySeed);
  const expected = tf.tidy(() => {
    const out = model.predict(tf.tensor4d(x, [n, height, width, 3]));
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync().slice());
  });
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds = { [session.inputNames[0] as string]: new ort.Tensor('float32', x, [n, height, width, 3]) };
    const got = await session.run(feeds);
    let maxAbsDiff = 0;
    session.outputNames.forEach((name, i) => {
      const a = got[name]!.data as Float32Array;
      const b = expected[i]!;
      if (a.length !== b.length) fail('E_ONNX', `output ${name}: onnxruntime gave ${a.length} values, TF.js ${b.length}`);
      for (let k = 0; k < a.length; k++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs((a[k] as number) - (b[k] as number)));
    });
    return { images: n, maxAbsDiff };
  } finally {
    await session.release();
  }
}
