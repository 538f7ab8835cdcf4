/**
 * onnxruntime-node as an inference engine for TF.js models: export the model to ONNX
 * (./export.ts) and run it in an InferenceSession on the CPU, returning TF.js tensors.
 * For VGG16 this is ~2.7x faster than TF.js wasm, which matters most for a frozen backbone run
 * as inference while the trainable head stays in TF.js.
 *
 * onnxruntime-node is an optional dependency: `loadOrt()` resolves to null when it is absent and
 * `OrtModel.create` then too, so callers fall back to TF.js. The session holds a snapshot of the
 * weights at `create` time: after weights change (unfreezing, loading), create a new one.
 *
 * @example
 * const ort = await OrtModel.create(backbone);
 * const features = ort ? (await ort.run(images))[0] : backbone.predict(images) as tf.Tensor;
 */
import os from 'node:os';
import { tf } from '../core/tf.js';
import { fail } from '../core/errors.js';
import { exportOnnx } from './export.js';
import { loadOrt } from './runtime.js';

export { loadOrt };

type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;

export interface OrtModelOptions {
  /** Intra-op threads; defaults to os.availableParallelism(). */
  threads?: number;
  /** Layout of image inputs the caller feeds (see ExportOnnxOptions.inputLayout); default nhwc. */
  inputLayout?: 'nhwc' | 'nchw';
  /**
   * Export qualifying 3x3 convolutions as Winograd F(4,3) (ExportOnnxOptions.winograd): 1.5x faster
   * VGG16 on onnxruntime's CPU provider, within float32 rounding. Default true; false, or the
   * environment variable BRANCHNET_WINOGRAD=0, exports plain Conv nodes.
   */
  winograd?: boolean;
}

export class OrtModel {
  private static live = 0;
  /** Sessions created and not yet disposed, in this process (leak tests count them). */
  static get openSessions(): number {
    return OrtModel.live;
  }

  private released = false;

  private constructor(
    private readonly ort: Ort,
    private readonly session: Session,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
    /** Layout `runArrays` expects for image inputs (`run` always takes TF.js's NHWC). */
    readonly inputLayout: 'nhwc' | 'nchw' = 'nhwc',
    /** Whether the export was asked for Winograd convolutions (only qualifying convs get them). */
    readonly winograd = false,
  ) {}

  /** Export `model` (dynamic batch) and open a session on it; null when onnxruntime-node is absent. */
  static async create(model: tf.LayersModel, opts: OrtModelOptions = {}): Promise<OrtModel | null> {
    const ort = await loadOrt();
    if (!ort) return null;
    const winograd = opts.winograd ?? process.env.BRANCHNET_WINOGRAD !== '0';
    const bytes = exportOnnx(model, { batch: 'dynamic', inputLayout: opts.inputLayout, winograd });
    let session: Session;
    try {
      session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: opts.threads ?? os.availableParallelism(),
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
    } catch (e) {
      return fail('E_ONNX', `onnxruntime could not load the ONNX export of model ${model.name}: ${(e as Error).message.split('\n')[0]}`, e);
    }
    OrtModel.live++;
    return new OrtModel(ort, session, session.inputNames, session.outputNames, opts.inputLayout ?? 'nhwc', winograd);
  }

  /** Run on a float32 batch (NHWC, any batch size); one TF.js tensor per model output, owned by the caller. */
  async run(x: tf.Tensor | tf.Tensor[]): Promise<tf.Tensor[]> {
    const xs = Array.isArray(x) ? x : [x];
    if (this.inputLayout === 'nchw') fail('E_ONNX', 'OrtModel.run takes NHWC TF.js tensors; this model was created with inputLayout nchw, so feed it with runArrays');
    if (xs.length !== this.inputNames.length) {
      fail('E_ONNX', `OrtModel.run got ${xs.length} inputs; the model takes ${this.inputNames.length} (${this.inputNames.join(', ')})`);
    }
    const feeds: Record<string, InstanceType<Ort['Tensor']>> = {};
    for (const [i, t] of xs.entries()) {
      if (t.dtype !== 'float32') fail('E_ONNX', `OrtModel.run input ${this.inputNames[i]} is ${t.dtype}; it takes float32`);
      feeds[this.inputNames[i]] = new this.ort.Tensor('float32', (await t.data()) as Float32Array, t.shape);
    }
    const out = await this.session.run(feeds);
    for (const f of Object.values(feeds)) f.dispose();
    return this.outputNames.map((name) => {
      const o = out[name];
      const y = tf.tensor(o.data as Float32Array, o.dims as number[], 'float32');
      o.dispose();
      return y;
    });
  }

  /**
   * Run on plain float32 arrays (in `inputLayout`, shapes as fed), without TF.js tensors in between: the arrays are handed
   * to onnxruntime as they are, so a caller that reuses its input buffer allocates nothing per
   * call (fresh multi-megabyte arrays cost page faults: ~15 ms per batch of 20 at 160x128).
   */
  async runArrays(inputs: { data: Float32Array; shape: number[] }[]): Promise<{ data: Float32Array; shape: number[] }[]> {
    if (inputs.length !== this.inputNames.length) {
      fail('E_ONNX', `OrtModel.runArrays got ${inputs.length} inputs; the model takes ${this.inputNames.length} (${this.inputNames.join(', ')})`);
    }
    const feeds: Record<string, InstanceType<Ort['Tensor']>> = {};
    inputs.forEach((x, i) => { feeds[this.inputNames[i]] = new this.ort.Tensor('float32', x.data, x.shape); });
    const out = await this.session.run(feeds);
    return this.outputNames.map((name) => ({ data: out[name].data as Float32Array, shape: out[name].dims as number[] }));
  }

  /** Release the session. */
  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    OrtModel.live--;
    await this.session.release();
  }
}
