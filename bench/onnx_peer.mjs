// Child process of bench/run.mjs: the onnxruntime peer for inference. It writes the notebook's
// two-branch model as a plain ONNX graph in ONNX's native NCHW layout (color CNN + VGG16 base +
// dense heads, opset 13, random weights), independently of branchnet's exporter and of PyTorch,
// and runs it with onnxruntime-node's InferenceSession directly. Prints one `BENCH_RESULT {json}`.
//   node bench/onnx_peer.mjs --height 160 --width 128 --batch 20 --threads 2 --iters 5 --warmup 2
import { createRequire } from 'node:module';
import { parseArgs, peakRssMb, timeSteps } from './guard.mjs';

const require = createRequire(import.meta.url);
const a = parseArgs(process.argv.slice(2));
const H = Number(a.height ?? 160), W = Number(a.width ?? 128), B = Number(a.batch ?? 20);
const threads = Number(a.threads ?? 2);
const timing = {
  warmup: Number(a.warmup ?? 2), iters: Number(a.iters ?? 5),
  idleWait: Number(a['idle-wait'] ?? 10), idleThresh: Number(a['idle-thresh'] ?? 0.1),
};
const emit = (r) => console.log('BENCH_RESULT ' + JSON.stringify({ fw: 'onnxruntime', mode: 'infer', height: H, width: W, batch: B, ...r, rss_mb: peakRssMb() }));

let ort, onnx;
try {
  ort = require('onnxruntime-node');
  ({ onnx } = require('onnx-proto'));
} catch (e) {
  emit({ available: false, reason: `${String(e.message).split('\n')[0]} (install: npm i onnxruntime-node)` });
  process.exit(0);
}

// ---- the graph ---------------------------------------------------------------------------
let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32); // LCG: values only need to be finite and not denormal
const nodes = [], inits = [];
let uid = 0;
const name = (p) => `${p}_${uid++}`;
function weight(dims, fanIn) {
  const n = dims.reduce((p, d) => p * d, 1), lim = Math.sqrt(6 / fanIn);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = (2 * rand() - 1) * lim;
  const nm = name('w');
  inits.push({ name: nm, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer) });
  return nm;
}
const attr = (nm, v) => (Array.isArray(v)
  ? { name: nm, type: onnx.AttributeProto.AttributeType.INTS, ints: v }
  : { name: nm, type: onnx.AttributeProto.AttributeType.INT, i: v });
function node(op, inputs, attrs = []) {
  const out = name(op.toLowerCase());
  nodes.push({ opType: op, input: inputs, output: [out], name: out, attribute: attrs });
  return out;
}
/** Keras 'same' padding [begin, end] for one axis (the odd pixel goes at the end). */
function samePad(size, k, s) {
  const out = Math.ceil(size / s), total = Math.max((out - 1) * s + k - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2), out];
}
let flops = 0;
function conv(x, cin, cout, k, s, h, w) {
  const [pt, pb, oh] = samePad(h, k, s), [pl, pr, ow] = samePad(w, k, s);
  flops += 2 * oh * ow * k * k * cin * cout;
  const y = node('Conv', [x, weight([cout, cin, k, k], cin * k * k), weight([cout], 1e6)],
    [attr('kernel_shape', [k, k]), attr('strides', [s, s]), attr('pads', [pt, pl, pb, pr])]);
  return [node('Relu', [y]), oh, ow];
}
const pool = (x, h, w) => [node('MaxPool', [x], [attr('kernel_shape', [2, 2]), attr('strides', [2, 2])]), Math.floor(h / 2), Math.floor(w / 2)];
function dense(x, cin, cout, act) {
  flops += 2 * cin * cout;
  const y = node('Gemm', [x, weight([cin, cout], cin), weight([cout], 1e6)]);
  return act === 'relu' ? node('Relu', [y]) : node('Softmax', [y], [attr('axis', 1)]);
}
function head(x, c, h, w, units, out) {
  const f = node('Flatten', [x], [attr('axis', 1)]);
  const d = dense(f, c * h * w, units, 'relu');
  const s = dense(d, units, 3, 'softmax');
  nodes.push({ opType: 'Identity', input: [s], output: [out], name: out });
}
// color: Conv(32, 11x11, stride 4) → pool → Conv(64) → pool → Conv(64) → pool → dense 128 → dense 3
{
  let x = 'images', h = H, w = W, c = 3;
  for (const [i, f] of [32, 64, 64].entries()) {
    [x, h, w] = conv(x, c, f, i === 0 ? 11 : 3, i === 0 ? 4 : 1, h, w); c = f;
    [x, h, w] = pool(x, h, w);
  }
  head(x, c, h, w, 128, 'color');
}
// type: VGG16 base (13 convs 3x3 'same', 5 pools) → dense 256 → dense 3
{
  let x = 'images', h = H, w = W, c = 3;
  for (const [f, n] of [[64, 2], [128, 2], [256, 3], [512, 3], [512, 3]]) {
    for (let i = 0; i < n; i++) { [x, h, w] = conv(x, c, f, 3, 1, h, w); c = f; }
    [x, h, w] = pool(x, h, w);
  }
  head(x, c, h, w, 256, 'type');
}
const F = onnx.TensorProto.DataType.FLOAT;
const vi = (nm, dims) => ({ name: nm, type: { tensorType: { elemType: F, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } } });
const bytes = onnx.ModelProto.encode({
  irVersion: 7, opsetImport: [{ domain: '', version: 13 }], producerName: 'branchnet bench/onnx_peer.mjs',
  graph: { name: 'notebook_two_branch_nchw', node: nodes, initializer: inits, input: [vi('images', ['N', 3, H, W])], output: [vi('color', ['N', 3]), vi('type', ['N', 3])] },
}).finish();
inits.length = 0;

// ---- run ---------------------------------------------------------------------------------
const session = await ort.InferenceSession.create(bytes, {
  intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
});
const input = new ort.Tensor('float32', Float32Array.from({ length: B * 3 * H * W }, () => rand()), [B, 3, H, W]);
const t = await timeSteps(async () => {
  const out = await session.run({ images: input });
  void out.color.data[0]; void out.type.data[0];
}, timing);
await session.release();
emit({
  available: true, version: require('onnxruntime-node/package.json').version, threads,
  path: 'InferenceSession on a hand-written NCHW ONNX graph of the same model (not branchnet\'s export)',
  flops_per_img: flops, onnx_mb: bytes.length / 2 ** 20, img_s: B / t.median_s, ...t,
});
process.exit(0);
