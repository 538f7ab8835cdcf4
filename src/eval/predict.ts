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
import { OrtModel } from '../onnx/session.js';
import { PREDICT_DEFAULTS } from '../core/defaults.js';
import { labelHeads, type HeadPrediction } from './labels.js';

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

export type { HeadPrediction };

export interface Prediction {
  path: string;
  heads: Record<string, HeadPrediction>;
}

export interface PredictionFailure {
  path: string;
  error: string;
}

/** What a predict run produced for one input, in input order: a prediction or a failure. */
export type PredictionResult = Prediction | PredictionFailure;

export interface ExpandOptions {
  /**
   * Called for an input that cannot be listed or followed: a dangling symbolic link, a link loop,
   * a folder that cannot be read. Without it, such an input fails the whole call (E_DATA_SOURCE).
   */
  onSkip?: (failure: PredictionFailure) => void;
}

function linkReason(p: string, e: NodeJS.ErrnoException, target: string | null): string {
  if (e.code === 'ELOOP') return `${p}: symbolic link loop (it leads back to itself); fix or remove the link`;
  if (e.code === 'ENOENT' && target !== null) return `${p}: dangling symbolic link to ${target} (the target does not exist); fix or remove the link`;
  if (e.code === 'EACCES' || e.code === 'EPERM') return `${p}: permission denied; make it readable`;
  return `${p}: cannot be read (${e.code ?? e.message})`;
}

/**
 * Expand files and folders (recursively) into image files, sorted, hidden files skipped.
 * Symbolic links are followed, each folder once per path from the input: a link back to a folder
 * being walked (a loop) and a dangling link are failures of that path (`onSkip`), not crashes.
 * An input named on the command line that does not exist at all fails with E_DATA_EMPTY.
 */
export async function expandInputs(inputs: string[], opts: ExpandOptions = {}): Promise<string[]> {
  const out: string[] = [];
  const skip = (f: PredictionFailure) => {
    if (!opts.onSkip) fail('E_DATA_SOURCE', f.error);
    opts.onSkip(f);
  };
  const linkTarget = async (p: string): Promise<string | null> => fs.readlink(p).catch(() => null);
  // Real paths of the folders on the current walk: meeting one again is a link loop.
  const walking = new Set<string>();
  async function walk(p: string, top: boolean): Promise<void> {
    let st;
    try {
      st = await fs.stat(p);
    } catch (e) {
      const target = await linkTarget(p);
      if (top && target === null && (e as NodeJS.ErrnoException).code === 'ENOENT') {
        fail('E_DATA_EMPTY', `${p}: no such file or folder; give image files or folders of images`);
      }
      skip({ path: p, error: linkReason(p, e as NodeJS.ErrnoException, target) });
      return;
    }
    if (!st.isDirectory()) {
      out.push(p);
      return;
    }
    let real: string;
    let entries: string[];
    try {
      real = await fs.realpath(p);
      entries = (await fs.readdir(p)).filter((e) => !e.startsWith('.')).sort();
    } catch (e) {
      skip({ path: p, error: linkReason(p, e as NodeJS.ErrnoException, null) });
      return;
    }
    if (walking.has(real)) {
      skip({ path: p, error: `${p}: symbolic link loop (it leads back to ${real}, which is being read already); fix or remove the link` });
      return;
    }
    walking.add(real);
    try {
      for (const e of entries) {
        const full = path.join(p, e);
        const isImage = IMAGE_EXTENSIONS.includes(path.extname(e).toLowerCase());
        let isDir = false;
        try {
          isDir = (await fs.stat(full)).isDirectory();
        } catch {
          // Unreadable or a broken link: walk() reports it (a file without an image name is ignored as before).
          if (!isImage && (await linkTarget(full)) === null) continue;
          await walk(full, false);
          continue;
        }
        if (isDir || isImage) await walk(full, false);
      }
    } finally {
      walking.delete(real);
    }
  }
  for (const i of inputs) await walk(i, true);
  return out;
}

/** Progress of predictFiles, after each batch. */
export interface PredictProgress {
  /** Files handled so far (predicted or failed). */
  done: number;
  total: number;
}

export interface PredictFilesOptions {
  /** Images per forward pass (default 20); a whole number of at least 1. */
  batchSize?: number;
  /** Called after each batch with its results in input order (streaming output); awaited. */
  onBatch?: (results: PredictionResult[], progress: PredictProgress) => void | Promise<void>;
  /** Keep every result for the return value (default true); false for long streamed runs. */
  collect?: boolean;
}

/** Errors of reading one file that make it a failure of that file, not of the run. */
function isFileError(e: unknown): e is Error {
  return e instanceof BranchnetError || (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string');
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

  /**
   * Decode, preprocess and predict image files; files that fail to read or decode are reported,
   * not fatal. With `onBatch`, results stream out batch by batch in input order.
   * @example const { predictions, failures } = await p.predictFiles(files, { batchSize: 20 });
   */
  async predictFiles(files: string[], opts: PredictFilesOptions = {}): Promise<{ predictions: Prediction[]; failures: PredictionFailure[] }> {
    return this.predictSources(files.map((f) => ({ name: f, source: f })), opts);
  }

  /**
   * As predictFiles, for images held in memory: `name` stands for `path` in the results.
   * @example const { predictions } = await p.predictBuffers([{ name: 'upload.png', data: bytes }]);
   */
  async predictBuffers(images: { name: string; data: Uint8Array }[], opts: PredictFilesOptions & { limitInputPixels?: number } = {}): Promise<{ predictions: Prediction[]; failures: PredictionFailure[] }> {
    return this.predictSources(images.map((b) => ({ name: b.name, source: b.data })), opts, opts.limitInputPixels);
  }

  private async predictSources(
    sources: { name: string; source: string | Uint8Array }[], opts: PredictFilesOptions, limitInputPixels?: number,
  ): Promise<{ predictions: Prediction[]; failures: PredictionFailure[] }> {
    const batchSize = opts.batchSize ?? PREDICT_DEFAULTS.batchSize;
    if (!Number.isInteger(batchSize) || batchSize < 1) fail('E_CONFIG', `batchSize ${batchSize} is not valid; use a whole number of at least 1`);
    const collect = opts.collect ?? true;
    const predictions: Prediction[] = [];
    const failures: PredictionFailure[] = [];
    for (let start = 0; start < sources.length; start += batchSize) {
      const chunk = sources.slice(start, start + batchSize);
      const results: (PredictionResult | null)[] = chunk.map(() => null);
      const decoded = await Promise.all(chunk.map(async ({ name, source }, i) => {
        try {
          return await this.decodeInput(source, { name, limitInputPixels });
        } catch (e) {
          if (!isFileError(e)) throw e;
          results[i] = { path: name, error: e instanceof BranchnetError ? e.message : `${name}: cannot read (${(e as NodeJS.ErrnoException).code})` };
          return null;
        }
      }));
      const ok = chunk.map((_, i) => i).filter((i) => decoded[i] !== null);
      const heads = await this.predictDecoded(ok.map((i) => decoded[i]!));
      ok.forEach((k, i) => { results[k] = { path: chunk[k]!.name, heads: heads[i]! }; });
      const done = results as PredictionResult[];
      if (collect) for (const r of done) ('heads' in r ? predictions.push(r) : failures.push(r));
      await opts.onBatch?.(done, { done: start + chunk.length, total: sources.length });
    }
    return { predictions, failures };
  }

  /** Turn one image's per-head probability rows into labels (./labels.ts, shared with the web page). */
  decode(rows: number[][]): Record<string, HeadPrediction> {
    return labelHeads(this.meta.heads, rows);
  }

  /** Frees the engine; `disposeModel` false keeps the TF.js model (for fromModel callers that still use it). */
  dispose(disposeModel = true): void {
    this.ort?.dispose();
    if (disposeModel) this.model.dispose();
  }
}
