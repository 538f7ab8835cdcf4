/**
 * Prediction: a saved model directory + image files → plain data per image and head.
 * Decoding and preprocessing come from data/ with the settings recorded in the model
 * (input size, interpolation, preprocessing), so train, evaluate and predict see the same pixels.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../core/tf.js';
import { BranchnetError, fail } from '../core/errors.js';
import { decodeImage, type DecodedImage } from '../data/decode.js';
import { preprocess, toPlanar } from '../data/preprocess.js';
import { IMAGE_EXTENSIONS } from '../data/manifest.js';
import { loadModelDir, type ModelMeta } from '../io/model_dir.js';
import { OrtModel } from '../engine/ort.js';

/** Where inference runs: auto = onnxruntime when installed (same outputs within float tolerance, faster), else TF.js. */
export type InferenceEngine = 'auto' | 'tfjs' | 'onnxruntime';

export interface PredictorOptions {
  engine?: InferenceEngine;
  /** onnxruntime threads (default: all cores). */
  threads?: number;
  /**
   * Export VGG-like 3x3 convolutions as Winograd for onnxruntime (OrtModelOptions.winograd;
   * default true): faster per batch, ~2.5 s slower to set up, so worth it from a few hundred
   * images (WINOGRAD_MIN_IMAGES).
   */
  winograd?: boolean;
}

export interface HeadPrediction {
  label: string;
  probability: number;
  /** Probability of every class, in vocabulary order. */
  probabilities: Record<string, number>;
}

export interface Prediction {
  path: string;
  heads: Record<string, HeadPrediction>;
}

export interface PredictionFailure {
  path: string;
  error: string;
}

/** Expand files and folders (recursively) into image files, sorted, hidden files skipped. */
export async function expandInputs(inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  async function walk(p: string): Promise<void> {
    let st;
    try {
      st = await fs.stat(p);
    } catch {
      fail('E_DATA_EMPTY', `${p}: no such file or folder; give image files or folders of images`);
    }
    if (st.isDirectory()) {
      const entries = (await fs.readdir(p)).filter((e) => !e.startsWith('.')).sort();
      for (const e of entries) {
        const full = path.join(p, e);
        const s = await fs.stat(full);
        if (s.isDirectory() || IMAGE_EXTENSIONS.includes(path.extname(e).toLowerCase())) await walk(full);
      }
    } else out.push(p);
  }
  for (const i of inputs) await walk(i);
  return out;
}

export class Predictor {
  private buffer = new Float32Array(0);

  private constructor(readonly model: tf.LayersModel, readonly meta: ModelMeta, private readonly ort: OrtModel | null) {}

  /** @example const p = await Predictor.load('runs/a'); const preds = await p.predictFiles(['x.jpg']); p.dispose(); */
  static async load(dir: string, opts: PredictorOptions = {}): Promise<Predictor> {
    const { model, meta } = await loadModelDir(dir);
    return new Predictor(model, meta, await Predictor.engineFor(model, opts));
  }

  /** Wrap a model in memory (not yet saved) with the metadata it will be saved with. The model stays the caller's. */
  static async fromModel(model: tf.LayersModel, meta: ModelMeta, opts: PredictorOptions = {}): Promise<Predictor> {
    return new Predictor(model, meta, await Predictor.engineFor(model, opts));
  }

  private static async engineFor(model: tf.LayersModel, opts: PredictorOptions): Promise<OrtModel | null> {
    const engine = opts.engine ?? 'auto';
    if (engine === 'tfjs') return null;
    // Pixels are prepared planar (NCHW) for onnxruntime: no transpose inside its graph.
    const ort = await OrtModel.create(model, { threads: opts.threads, inputLayout: 'nchw', winograd: opts.winograd });
    if (!ort && engine === 'onnxruntime') fail('E_BACKEND', 'engine onnxruntime: onnxruntime-node is not installed; run `npm install onnxruntime-node` or use --engine tfjs');
    return ort;
  }

  get heads() { return this.meta.heads; }

  /** Which engine runs inference. */
  get engine(): 'onnxruntime' | 'tfjs' { return this.ort ? 'onnxruntime' : 'tfjs'; }

  /** Probabilities per head for preprocessed input [n, h, w, 3]; plain arrays out. */
  async predictArray(x: Float32Array, n: number): Promise<number[][][]> {
    if (!this.ort) return this.runBatch(x, n);
    const per = this.meta.config.model.height * this.meta.config.model.width * 3;
    const planar = new Float32Array(n * per);
    for (let i = 0; i < n; i++) toPlanar(x.subarray(i * per, (i + 1) * per), planar.subarray(i * per, (i + 1) * per));
    return this.runBatch(planar, n);
  }

  /** The input layout the engine takes: planar for onnxruntime, interleaved for TF.js. */
  private get layout(): 'nchw' | 'nhwc' { return this.ort ? 'nchw' : 'nhwc'; }

  /** Run a batch already in the engine's layout. */
  private async runBatch(x: Float32Array, n: number): Promise<number[][][]> {
    const { height, width } = this.meta.config.model;
    if (this.ort) {
      const outs = await this.ort.runArrays([{ data: x.subarray(0, n * height * width * 3), shape: [n, 3, height, width] }]);
      return outs.map((o) => {
        const k = o.shape[1];
        return Array.from({ length: n }, (_, i) => Array.from(o.data.subarray(i * k, (i + 1) * k)));
      });
    }
    return tf.tidy(() => {
      const out = this.model.predict(tf.tensor4d(x.subarray(0, n * height * width * 3), [n, height, width, 3]));
      const outs = Array.isArray(out) ? out : [out];
      return outs.map((t) => t.arraySync() as number[][]);
    });
  }

  /**
   * Decode one image, a file path or its bytes, at the model's input size with the model's
   * interpolation (throws E_IMAGE_DECODE naming `name`). The first half of predictFiles, for
   * callers that decode concurrently and predict later in one batch (the HTTP server).
   */
  decodeInput(source: string | Uint8Array, opts: { name?: string; limitInputPixels?: number } = {}): Promise<DecodedImage> {
    const { height, width } = this.meta.config.model;
    return decodeImage(source, { height, width, interpolation: this.meta.config.data.interpolation, ...opts });
  }

  /** Preprocess decoded images (from decodeInput) and predict them in one forward pass. */
  async predictDecoded(images: DecodedImage[]): Promise<Record<string, HeadPrediction>[]> {
    if (images.length === 0) return [];
    const { height, width, preprocess: mode } = this.meta.config.model;
    const per = height * width * 3;
    // One input buffer per predictor, reused batch after batch (see OrtModel.runArrays).
    if (this.buffer.length < images.length * per) this.buffer = new Float32Array(images.length * per);
    const x = this.buffer.subarray(0, images.length * per);
    images.forEach((d, i) => preprocess(d.data, mode, x.subarray(i * per, (i + 1) * per), this.layout));
    const probs = await this.runBatch(x, images.length);
    return images.map((_, i) => this.decode(probs.map((head) => head[i])));
  }

  /** Decode, preprocess and predict image files; files that fail to decode are reported, not fatal. */
  async predictFiles(files: string[], opts: { batchSize?: number } = {}): Promise<{ predictions: Prediction[]; failures: PredictionFailure[] }> {
    return this.predictSources(files.map((f) => ({ name: f, source: f })), opts.batchSize ?? 20);
  }

  /**
   * As predictFiles, for images held in memory: `name` stands for `path` in the results.
   * @example const { predictions } = await p.predictBuffers([{ name: 'upload.png', data: bytes }]);
   */
  async predictBuffers(images: { name: string; data: Uint8Array }[], opts: { batchSize?: number; limitInputPixels?: number } = {}): Promise<{ predictions: Prediction[]; failures: PredictionFailure[] }> {
    return this.predictSources(images.map((b) => ({ name: b.name, source: b.data })), opts.batchSize ?? 20, opts.limitInputPixels);
  }

  private async predictSources(sources: { name: string; source: string | Uint8Array }[], batchSize: number, limitInputPixels?: number): Promise<{ predictions: Prediction[]; failures: PredictionFailure[] }> {
    const predictions: Prediction[] = [];
    const failures: PredictionFailure[] = [];
    for (let start = 0; start < sources.length; start += batchSize) {
      const chunk = sources.slice(start, start + batchSize);
      const decoded = await Promise.all(chunk.map(async ({ name, source }) => {
        try {
          return await this.decodeInput(source, { name, limitInputPixels });
        } catch (e) {
          if (e instanceof BranchnetError) { failures.push({ path: name, error: e.message }); return null; }
          throw e;
        }
      }));
      const ok = chunk.map((c, i) => [c.name, decoded[i]] as const).filter((pair): pair is readonly [string, DecodedImage] => pair[1] !== null);
      const heads = await this.predictDecoded(ok.map(([, d]) => d));
      ok.forEach(([name], i) => predictions.push({ path: name, heads: heads[i] }));
    }
    return { predictions, failures };
  }

  /** Turn one image's per-head probability rows into labels. */
  decode(rows: number[][]): Record<string, HeadPrediction> {
    const out: Record<string, HeadPrediction> = {};
    this.meta.heads.forEach((h, i) => {
      const p = rows[i];
      let best = 0;
      for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
      out[h.name] = {
        label: h.vocab[best],
        probability: p[best],
        probabilities: Object.fromEntries(h.vocab.map((v, k) => [v, p[k]])),
      };
    });
    return out;
  }

  /** Frees the engine; `disposeModel` false keeps the TF.js model (for fromModel callers that still use it). */
  dispose(disposeModel = true): void {
    this.ort?.dispose();
    if (disposeModel) this.model.dispose();
  }
}
