/**
 * Endless batches for the training loop, as plain typed arrays (this module never touches
 * TF.js): x is [B, H, W, 3] float32, preprocessed; y holds one Int32Array of class indices per
 * head. It plays the part of the notebook's `flow_from_dataframe` + `split_outputs` generators:
 *
 *   - Epochs like Keras' Iterator: a fresh shuffled order each epoch (when `shuffle`), batches
 *     taken in that order, the last batch of an epoch possibly smaller (n mod B images).
 *   - Each image is decoded once at the target size and cached as 8-bit RGB (H·W·3 bytes, e.g.
 *     61 KB at 160×128), never at full size. Decodes run `concurrency` at a time, and the next
 *     batch is prepared while the caller trains on the current one (`prefetch`).
 *   - Training augmentation is applied to the cached pixels on every draw, then `preprocess`.
 *     Validation never augments: use `createStreams`, which builds it with augment off.
 *   - A file that fails to decode is reported once through `onSkip(path, reason)`, dropped for
 *     good, and its place in the batch is filled by the next image; training goes on. If every
 *     image fails, `next()` throws E_DATA_EMPTY.
 * Shuffling and augmentation use separate seeded generators, so the same seed and files give
 * the same batches whatever the decode timing.
 */
import { BranchnetError, fail } from '../core/errors.js';
import { type AugmentParams, applyTransform, resolveAugment, sampleTransform } from './augment.js';
import { type Interpolation, decodeImage } from './decode.js';
import { type Item, type Manifest, labelIndices } from './manifest.js';
import { type PreprocessMode, preprocess } from './preprocess.js';
import { Rng } from '../core/rng.js';
import type { Split } from './split.js';
import { DEFAULTS } from '../core/defaults.js';

export interface Batch {
  /** [size, height, width, 3], preprocessed. */
  x: Float32Array;
  /** One per head, in head order: class index of each sample. */
  y: Int32Array[];
  paths: string[];
  /** Number of samples (≤ batchSize; smaller only at the end of an epoch). */
  size: number;
  height: number;
  width: number;
  /** 0-based epoch this batch belongs to. */
  epoch: number;
  /** 0-based batch index within the epoch. */
  step: number;
  /** True for the last batch of its epoch. */
  endOfEpoch: boolean;
}

export interface BatchStreamOptions {
  /** Default 20 (the notebook's). */
  batchSize?: number;
  /** Default 160 (the notebook's target_size=(160, 128)). */
  height?: number;
  /** Default 128. */
  width?: number;
  /** Augmentation for training; null (default) for none. */
  augment?: Partial<AugmentParams> | null;
  /** Default 'rescale' (the notebook's rescale=1./255). */
  preprocess?: PreprocessMode;
  /** Seed for shuffling and augmentation; default 100. */
  seed?: number;
  /** Reshuffle at the start of every epoch; default true (Keras' default). */
  shuffle?: boolean;
  /** Resize kernel for decoding; default 'nearest' (Keras load_img default). */
  interpolation?: Interpolation;
  /** Keep decoded pixels (at target size) in memory; default true. */
  cache?: boolean;
  /** Decodes in flight at once; default 4. */
  concurrency?: number;
  /** Prepare the next batch while the caller works; default true. */
  prefetch?: boolean;
  /** Called once per file that cannot be decoded; the file is then left out. */
  onSkip?: (path: string, reason: string) => void;
}

/**
 * Where a stream stands, as plain JSON: enough to continue the exact same batches in another
 * process (a resumed training run). Taken between batches, as the caller sees the stream: a
 * batch prefetched but not yet handed out is not part of it (it is loaded again after restore).
 */
export interface BatchStreamState {
  epoch: number;
  step: number;
  cursor: number;
  /** This epoch's order (item indices). */
  order: number[];
  orderRng: number[];
  augmentRng: number[];
  /** Items found undecodable so far, with the reasons reported. */
  skipped: { index: number; path: string; reason: string }[];
}

interface Picked {
  index: number;
  pixels: Uint8Array;
}

export class BatchStream {
  readonly batchSize: number;
  readonly height: number;
  readonly width: number;
  readonly heads: readonly string[];
  /** Files dropped because they could not be decoded, in the order they were found. */
  readonly skipped: { path: string; reason: string }[] = [];

  private readonly items: readonly Item[];
  private readonly labels: Int32Array[];
  private readonly augment: AugmentParams | null;
  private readonly mode: PreprocessMode;
  private readonly shuffle: boolean;
  private readonly interpolation: Interpolation;
  private readonly useCache: boolean;
  private readonly concurrency: number;
  private readonly prefetch: boolean;
  private readonly onSkip: ((path: string, reason: string) => void) | undefined;
  private readonly orderRng: Rng;
  private readonly augmentRng: Rng;
  private readonly cache = new Map<number, Uint8Array>();
  private readonly dead = new Set<number>();

  private order: number[] = [];
  private cursor = 0;
  private epoch = -1;
  private step = 0;
  private pending: Promise<Batch> | null = null;
  /** The state as of the last batch handed out (see `state()`). */
  private handedOut: BatchStreamState | null = null;
  private readonly scratch: Float32Array;

  constructor(manifest: Manifest, items: readonly Item[], opts: BatchStreamOptions = {}) {
    this.batchSize = opts.batchSize ?? DEFAULTS.data.batchSize;
    this.height = opts.height ?? DEFAULTS.model.height;
    this.width = opts.width ?? DEFAULTS.model.width;
    for (const [name, v] of [['batchSize', this.batchSize], ['height', this.height], ['width', this.width]] as const) {
      if (!Number.isInteger(v) || v < 1) fail('E_CONFIG', `${name} ${v} is not valid; use a positive integer`);
    }
    if (items.length === 0) {
      fail('E_DATA_EMPTY', 'no images to batch; the split left this set empty — check the data folder, valFraction and hold-outs');
    }
    this.items = items;
    this.heads = manifest.heads.map((h) => h.name);
    this.labels = manifest.heads.map(() => new Int32Array(items.length));
    items.forEach((item, i) => {
      labelIndices(manifest, item).forEach((cls, h) => {
        this.labels[h]![i] = cls;
      });
    });
    this.augment = opts.augment ? resolveAugment(opts.augment) : null;
    this.mode = opts.preprocess ?? 'rescale';
    this.shuffle = opts.shuffle ?? true;
    this.interpolation = opts.interpolation ?? 'nearest';
    this.useCache = opts.cache ?? true;
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 4));
    this.prefetch = opts.prefetch ?? true;
    this.onSkip = opts.onSkip;
    const seed = opts.seed ?? DEFAULTS.data.seed;
    this.orderRng = new Rng(seed);
    this.augmentRng = new Rng(seed + 0x5eed);
    this.scratch = new Float32Array(this.height * this.width * 3);
  }

  /** Images still in play (all items minus those that failed to decode). */
  get size(): number {
    return this.items.length - this.dead.size;
  }

  /** Batches per epoch for the images still in play: ceil(size / batchSize). */
  get stepsPerEpoch(): number {
    return Math.ceil(this.size / this.batchSize);
  }

  /** The next batch. Calls are served in order; don't run two at once from different loops. */
  async next(): Promise<Batch> {
    const current = this.pending ?? this.load();
    this.pending = null;
    const batch = await current;
    // No load runs now: the fields are exactly where this batch left them.
    this.handedOut = this.snapshot();
    if (this.prefetch) {
      const ahead = this.load();
      ahead.catch(() => undefined); // the error resurfaces from the next next()
      this.pending = ahead;
    }
    return batch;
  }

  /**
   * Where the stream stands for its caller: after the last batch `next()` returned.
   * @example const s = train.state(); … other.restore(s); // other.next() gives the batch train.next() would have
   */
  state(): BatchStreamState {
    return structuredClone(this.handedOut ?? this.snapshot());
  }

  /**
   * Continue from `state()`, taken from a stream over the same items and options. Call it on a
   * stream that has no batch in flight (a fresh one, or one whose prefetch is off).
   */
  restore(state: BatchStreamState): void {
    if (this.pending) throw new Error('BatchStream.restore: a prefetched batch is in flight; restore a fresh stream');
    if (state.order.some((i) => !Number.isInteger(i) || i < 0 || i >= this.items.length) || state.cursor > state.order.length) {
      fail('E_CONFIG', `batch stream state does not fit this stream (${this.items.length} items); it was taken from another data set`);
    }
    this.epoch = state.epoch;
    this.step = state.step;
    this.cursor = state.cursor;
    this.order = [...state.order];
    this.orderRng.setState(state.orderRng);
    this.augmentRng.setState(state.augmentRng);
    this.dead.clear();
    this.skipped.length = 0;
    for (const s of state.skipped) {
      this.dead.add(s.index);
      this.skipped.push({ path: s.path, reason: s.reason });
    }
    this.handedOut = structuredClone(state);
  }

  private snapshot(): BatchStreamState {
    const index = new Map(this.items.map((it, i) => [it.path, i]));
    return {
      epoch: this.epoch,
      step: this.step,
      cursor: this.cursor,
      order: [...this.order],
      orderRng: this.orderRng.state(),
      augmentRng: this.augmentRng.state(),
      skipped: this.skipped.map((s) => ({ index: index.get(s.path) ?? -1, ...s })).filter((s) => this.dead.has(s.index)),
    };
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Batch, never, undefined> {
    for (;;) yield await this.next();
  }

  private startEpoch(): void {
    this.epoch++;
    this.step = 0;
    this.cursor = 0;
    const order: number[] = [];
    for (let i = 0; i < this.items.length; i++) if (!this.dead.has(i)) order.push(i);
    if (this.shuffle) this.orderRng.shuffle(order);
    this.order = order;
  }

  private everythingFailed(): never {
    // The first in data-set order, not in decode-completion order (decodes run concurrently).
    const order = new Map(this.items.map((it, i) => [it.path, i]));
    const first = [...this.skipped].sort((a, b) => (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0))[0];
    return fail(
      'E_DATA_EMPTY',
      `every image failed to decode (${this.items.length} file${this.items.length === 1 ? '' : 's'}); first: ${first ? first.reason : 'unknown'}`,
    );
  }

  private async load(): Promise<Batch> {
    if (this.epoch < 0) this.startEpoch();
    const picked: Picked[] = [];
    let epoch = this.epoch;
    while (picked.length < this.batchSize) {
      if (this.cursor >= this.order.length) {
        if (picked.length > 0) break; // end of epoch: a short batch, like Keras
        if (this.size === 0) this.everythingFailed();
        this.startEpoch();
        epoch = this.epoch;
        continue;
      }
      const want: number[] = [];
      while (want.length < this.batchSize - picked.length && this.cursor < this.order.length) {
        const index = this.order[this.cursor++]!;
        if (!this.dead.has(index)) want.push(index);
      }
      const pixels = await this.decodeMany(want);
      want.forEach((index, k) => {
        const p = pixels[k];
        if (p) picked.push({ index, pixels: p });
      });
    }
    const endOfEpoch = this.order.slice(this.cursor).every((i) => this.dead.has(i));
    const batch = this.assemble(picked, epoch, this.step);
    batch.endOfEpoch = endOfEpoch;
    this.step++;
    if (endOfEpoch) this.cursor = this.order.length;
    return batch;
  }

  private assemble(picked: Picked[], epoch: number, step: number): Batch {
    const { height, width } = this;
    const per = height * width * 3;
    const size = picked.length;
    const x = new Float32Array(size * per);
    const y = this.labels.map(() => new Int32Array(size));
    const paths: string[] = [];
    picked.forEach(({ index, pixels }, b) => {
      const slot = x.subarray(b * per, (b + 1) * per);
      if (this.augment) {
        const t = sampleTransform(this.augmentRng, this.augment, height, width);
        applyTransform(pixels, height, width, t, this.scratch);
        preprocess(this.scratch, this.mode, slot);
      } else {
        preprocess(pixels, this.mode, slot);
      }
      this.labels.forEach((lab, h) => {
        y[h]![b] = lab[index]!;
      });
      paths.push(this.items[index]!.path);
    });
    return { x, y, paths, size, height, width, epoch, step, endOfEpoch: false };
  }

  private async decodeMany(indices: number[]): Promise<(Uint8Array | null)[]> {
    const out: (Uint8Array | null)[] = new Array(indices.length).fill(null);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < indices.length) {
        const k = next++;
        out[k] = await this.pixelsFor(indices[k]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, indices.length) }, worker));
    return out;
  }

  private async pixelsFor(index: number): Promise<Uint8Array | null> {
    const hit = this.cache.get(index);
    if (hit) return hit;
    const item = this.items[index]!;
    try {
      const img = await decodeImage(item.path, {
        height: this.height,
        width: this.width,
        interpolation: this.interpolation,
      });
      if (this.useCache) this.cache.set(index, img.data);
      return img.data;
    } catch (err) {
      if (err instanceof BranchnetError && err.code === 'E_IMAGE_DECODE') {
        this.dead.add(index);
        this.skipped.push({ path: item.path, reason: err.message });
        this.onSkip?.(item.path, err.message);
        return null;
      }
      throw err;
    }
  }
}

export interface StreamsOptions extends Omit<BatchStreamOptions, 'augment' | 'shuffle'> {
  /** Training augmentation, e.g. NOTEBOOK_AUGMENT; default none. */
  augment?: Partial<AugmentParams> | null;
  /** Shuffle the training stream each epoch; default true. */
  shuffle?: boolean;
  /** Shuffle the validation stream; default false (a fixed order makes runs comparable). */
  shuffleVal?: boolean;
}

/**
 * The training and validation streams for a split. Validation is never augmented, whatever
 * `augment` says. Each stream keeps its own decode cache.
 */
export function createStreams(manifest: Manifest, split: Pick<Split, 'train' | 'val'>, opts: StreamsOptions = {}): {
  train: BatchStream;
  val: BatchStream;
} {
  const { augment, shuffle, shuffleVal, ...common } = opts;
  return {
    train: new BatchStream(manifest, split.train, { ...common, augment: augment ?? null, shuffle: shuffle ?? true }),
    val: new BatchStream(manifest, split.val, { ...common, augment: null, shuffle: shuffleVal ?? false }),
  };
}

/** One line for logs: size, epoch/step and per-head class counts. */
export function describeBatch(batch: Batch, manifest: Manifest): string {
  const heads = manifest.heads.map((head, h) => {
    const counts = new Array<number>(head.vocab.length).fill(0);
    for (const cls of batch.y[h] ?? []) counts[cls] = (counts[cls] ?? 0) + 1;
    return `${head.name}: ${head.vocab.map((v, i) => `${v} ${counts[i]}`).join(', ')}`;
  });
  return `${batch.size} image${batch.size === 1 ? '' : 's'} ${batch.height}x${batch.width} (epoch ${batch.epoch + 1}, batch ${batch.step + 1}${batch.endOfEpoch ? ', last' : ''}); ${heads.join('; ')}`;
}
