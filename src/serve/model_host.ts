/**
 * The one model a server serves: loaded from its directory, identified by the directory's name
 * and the SHA-256 of its weights.bin (so a client can tell which model answered), warmed up by
 * one forward pass (onnxruntime builds its session plan on the first run), and described as
 * plain data for GET /v1/model. `ready` is false until the warm-up pass has run.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  Predictor, loadModelDir, trainedCombos, fail,
  type DecodedImage, type HeadPrediction, type History, type ModelMeta, type PredictorOptions,
} from '../index.js';

/** The model files a page may fetch from /model/ (the TF.js layers model and branchnet's metadata). */
export const SERVED_MODEL_FILES = ['model.json', 'weights.bin', 'branchnet.json'] as const;

export interface ModelIdentity {
  /** The model directory's name. */
  name: string;
  /** sha256 of weights.bin, hex. */
  sha256: string;
}

export interface ModelDescription extends ModelIdentity {
  engine: 'onnxruntime' | 'tfjs';
  heads: { name: string; vocab: string[] }[];
  input: { height: number; width: number; channels: 3 };
  preprocessing: { mode: string; interpolation: string; resize: string; alpha: string };
  training: {
    arch: string;
    backbone: string;
    createdAt: string;
    seconds: number | null;
    data: { images: number; train: number; val: number; heldOut: number } | null;
    phases: { name: string; epochs: number; finalValidation: Record<string, number> }[];
  };
  /** Combinations of head labels the model was trained on (joined by '_', in head order). */
  seenCombos: string[];
}

async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  try {
    for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  } catch {
    fail('E_MODEL_DIR', `${file}: cannot read; expected a branchnet model directory with weights.bin (made by branchnet train)`);
  }
  return hash.digest('hex');
}

function trainingSummary(meta: ModelMeta, history: History | null): ModelDescription['training'] {
  const info = (meta.info ?? {}) as { data?: { images: number; train: number; val: number; heldOut: number }; seconds?: number };
  const phases = (history?.phases ?? []).map((p) => ({
    name: p.name,
    epochs: p.epochs,
    finalValidation: Object.fromEntries(Object.entries(p.history)
      .filter(([k, v]) => k.startsWith('val_') && v.length > 0)
      .map(([k, v]) => [k, v[v.length - 1]])),
  }));
  return {
    arch: meta.config.model.arch,
    backbone: meta.config.model.backbone.backbone,
    createdAt: meta.createdAt,
    seconds: info.seconds ?? null,
    data: info.data ? { images: info.data.images, train: info.data.train, val: info.data.val, heldOut: info.data.heldOut } : null,
    phases,
  };
}

export class ModelHost {
  private predictor: Predictor | null = null;
  private description: ModelDescription | null = null;
  private loading: Promise<void> | null = null;
  private closed = false;

  constructor(readonly dir: string, private readonly opts: PredictorOptions = {}) {}

  /** Loaded and warmed up. */
  get ready(): boolean {
    return this.predictor !== null && !this.closed;
  }

  get identity(): ModelIdentity | null {
    return this.description && { name: this.description.name, sha256: this.description.sha256 };
  }

  describe(): ModelDescription | null {
    return this.description;
  }

  /** Fail fast, before a port is bound, when the directory lacks a model's files. */
  async checkFiles(): Promise<void> {
    for (const f of SERVED_MODEL_FILES) {
      try {
        await fs.promises.access(path.join(this.dir, f), fs.constants.R_OK);
      } catch {
        fail('E_MODEL_DIR', `${path.join(this.dir, f)}: missing or unreadable; expected a branchnet model directory with ${SERVED_MODEL_FILES.join(', ')} (made by branchnet train)`);
      }
    }
  }

  /** Load, hash and warm up; idempotent. */
  load(): Promise<void> {
    this.loading ??= this.doLoad();
    return this.loading;
  }

  private async doLoad(): Promise<void> {
    const dir = path.resolve(this.dir);
    const sha256 = await sha256File(path.join(dir, 'weights.bin'));
    const saved = await loadModelDir(dir);
    let predictor: Predictor;
    try {
      predictor = await Predictor.fromModel(saved.model, saved.meta, this.opts);
    } catch (e) {
      saved.model.dispose();
      throw e;
    }
    try {
      const { height, width } = saved.meta.config.model;
      await predictor.predictDecoded([{ data: new Uint8Array(height * width * 3).fill(255), height, width }]);
    } catch (e) {
      predictor.dispose();
      throw e;
    }
    const { meta } = saved;
    this.description = {
      name: path.basename(dir),
      sha256,
      engine: predictor.engine,
      heads: meta.heads.map((h) => ({ name: h.name, vocab: [...h.vocab] })),
      input: { height: meta.config.model.height, width: meta.config.model.width, channels: 3 },
      preprocessing: {
        mode: meta.config.model.preprocess,
        interpolation: meta.config.data.interpolation,
        resize: 'to exactly height x width, aspect ratio ignored (as Keras load_img)',
        alpha: 'composited onto white; EXIF orientation applied',
      },
      training: trainingSummary(meta, saved.history),
      seenCombos: trainedCombos(predictor),
    };
    if (this.closed) { predictor.dispose(); return; }
    this.predictor = predictor;
  }

  private get live(): Predictor {
    if (!this.predictor || this.closed) fail('E_NOT_READY', 'the model is still loading; retry after the time in Retry-After (GET /readyz says when it is ready)');
    return this.predictor;
  }

  decode(data: Uint8Array, opts: { name: string; limitInputPixels: number }): Promise<DecodedImage> {
    return this.live.decodeInput(data, opts);
  }

  predict(images: DecodedImage[]): Promise<Record<string, HeadPrediction>[]> {
    return this.live.predictDecoded(images);
  }

  /** Release the model (TF.js weights and the onnxruntime session). */
  async dispose(): Promise<void> {
    this.closed = true;
    await this.loading?.catch(() => {});
    this.predictor?.dispose();
    this.predictor = null;
  }
}
