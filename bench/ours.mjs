// Child process of bench/run.mjs: times one mode of branchnet's own engine on the notebook's
// model and prints one `BENCH_RESULT {json}` line, with this process's peak RSS (VmHWM).
//   node bench/ours.mjs --mode infer-tfjs|infer-ort|p1|p2|p1-ort|p2-ort --height 160 --width 128 --batch 20 \
//        --threads 2 --iters 5 --warmup 2 --idle-wait 10 --idle-thresh 0.1
// Each mode runs in its own process so that its peak RSS is its own.
import { parseArgs, peakRssMb, timeSteps } from './guard.mjs';

const dist = new URL('../dist/', import.meta.url);
const { initBackend } = await import(new URL('onnx/backend.js', dist));
const { describeBackend } = await import(new URL('core/backend.js', dist));
const { tf } = await import(new URL('core/tf.js', dist));
const { resolveConfig } = await import(new URL('core/defaults.js', dist));
const { buildModel, applyPhase } = await import(new URL('model/build.js', dist));
const { stepContext } = await import(new URL('train/fit.js', dist));
const { trainStep } = await import(new URL('train/step.js', dist));
const { makeOptimizer } = await import(new URL('train/optimizers.js', dist));
const { makeFrozenRunner } = await import(new URL('train/frozen.js', dist));

const a = parseArgs(process.argv.slice(2));
const mode = String(a.mode);
const H = Number(a.height ?? 160), W = Number(a.width ?? 128), B = Number(a.batch ?? 20);
const threads = Number(a.threads ?? 2);
const timing = {
  warmup: Number(a.warmup ?? 2), iters: Number(a.iters ?? 5),
  idleWait: Number(a['idle-wait'] ?? 10), idleThresh: Number(a['idle-thresh'] ?? 0.1),
};

function emit(r) {
  console.log('BENCH_RESULT ' + JSON.stringify({ fw: 'branchnet', mode, height: H, width: W, batch: B, ...r, rss_mb: peakRssMb() }));
}

/**
 * Forward FLOPs per image of every Conv2D and Dense layer (2 x multiply-adds, from the layer
 * shapes; bias, activations and pooling not counted), split by whether the layer trains in the
 * current phase. Walks nested models (the branches, the VGG16 base).
 */
function countFlops(model) {
  const trainableIds = new Set(model.trainableWeights.map((w) => w.id));
  const acc = { trainable: 0, frozen: 0, layers: [] };
  const walk = (m) => {
    for (const l of m.layers) {
      if (l instanceof tf.LayersModel) { walk(l); continue; }
      const cls = l.getClassName();
      let f = 0;
      if (cls === 'Conv2D') {
        const [kh, kw, cin, cout] = l.weights[0].shape;
        const out = l.outputShape; // [null, oh, ow, cout]
        f = 2 * out[1] * out[2] * kh * kw * cin * cout;
      } else if (cls === 'Dense') {
        const [cin, cout] = l.weights[0].shape;
        f = 2 * cin * cout;
      } else continue;
      const trains = trainableIds.has(l.weights[0].id);
      acc[trains ? 'trainable' : 'frozen'] += f;
      acc.layers.push([l.name, f, trains]);
    }
  };
  walk(model);
  return acc;
}

const info = await initBackend({ threads });
const backend = { name: info.name, threads: info.threads, simd: info.simd, describe: describeBackend(info), notes: info.notes, tfjs: tf.version.tfjs };
const cfg = resolveConfig({ model: { height: H, width: W }, data: { batchSize: B } });
const heads = [{ name: 'color', vocab: ['black', 'blue', 'red'] }, { name: 'type', vocab: ['dress', 'jeans', 'shirt'] }];
const model = buildModel(cfg.model, heads, 1);

if (mode === 'infer-tfjs' || mode === 'infer-ort') {
  applyPhase(model, cfg.model.heads, cfg.phases[0]);
  const flops = countFlops(model);
  const fwd = flops.trainable + flops.frozen;
  const x = tf.randomUniform([B, H, W, 3]);
  let step;
  let path = 'tfjs (model.predict)';
  let ort = null;
  if (mode === 'infer-tfjs') {
    step = () => {
      const outs = tf.tidy(() => { const o = model.predict(x); return Array.isArray(o) ? o : [o]; });
      for (const o of outs) o.dataSync();
      tf.dispose(outs);
    };
  } else {
    let OrtModel;
    try {
      ({ OrtModel } = await import(new URL('onnx/session.js', dist)));
    } catch (e) {
      emit({ available: false, reason: `dist/onnx/session.js not available (${String(e.message).split('\n')[0]})`, backend });
      process.exit(0);
    }
    // As Predictor runs it: pixels prepared planar (NCHW), as the onnxruntime and PyTorch peers get them.
    ort = await OrtModel.create(model, { threads, inputLayout: 'nchw' });
    if (!ort) {
      emit({ available: false, reason: 'OrtModel.create returned null (onnxruntime-node absent)', backend });
      process.exit(0);
    }
    path = 'onnxruntime via branchnet export (OrtModel.runArrays, as Predictor runs it: one reused input buffer)';
    const data = x.dataSync();
    step = async () => { await ort.runArrays([{ data, shape: [B, 3, H, W] }]); };
  }
  const t = await timeSteps(step, timing);
  ort?.dispose();
  emit({ available: true, path, backend, flops_fwd: fwd, flops_per_img: fwd, flops_convention: '1x forward', img_s: B / t.median_s, ...t });
} else if (/^p[12](-ort)?$/.test(mode)) {
  // p1/p2: everything in TF.js; p1-ort/p2-ort: as `branchnet train` runs by default, the frozen
  // prefix as an exported ONNX graph on onnxruntime, the trainable rest in TF.js.
  const phase = cfg.phases[mode.startsWith('p1') ? 0 : 1];
  const engine = mode.endsWith('-ort') ? 'onnxruntime' : 'tfjs';
  applyPhase(model, cfg.model.heads, phase);
  const flops = countFlops(model);
  const ctx = { ...stepContext(model, cfg, phase), optimizer: makeOptimizer(phase) };
  try {
    ctx.frozen = await makeFrozenRunner(ctx.plan, [H, W, 3], { engine, threads });
  } catch (e) {
    emit({ available: false, reason: String(e.message).split('\n')[0], backend });
    process.exit(0);
  }
  const batch = {
    x: Float32Array.from({ length: B * H * W * 3 }, () => Math.random()),
    y: [Int32Array.from({ length: B }, (_, i) => i % 3), Int32Array.from({ length: B }, (_, i) => (i * 7) % 3)],
    size: B,
  };
  const t = await timeSteps(async () => { await trainStep(ctx, batch); }, timing);
  emit({
    available: true, path: `trainStep (${phase.name}, unfreeze ${phase.unfreeze}; ${ctx.frozen.description})`, backend,
    flops_fwd: flops.trainable + flops.frozen, flops_trainable_fwd: flops.trainable, flops_frozen_fwd: flops.frozen,
    flops_per_img: 3 * flops.trainable + flops.frozen, flops_convention: '3x forward of trainable layers + 1x of frozen',
    trainable_params: model.trainableWeights.reduce((s, w) => s + w.shape.reduce((p, d) => p * d, 1), 0),
    img_s: B / t.median_s, ...t,
  });
} else {
  throw new Error(`unknown --mode ${mode}; expected infer-tfjs, infer-ort, p1, p2, p1-ort or p2-ort`);
}
process.exit(0);
