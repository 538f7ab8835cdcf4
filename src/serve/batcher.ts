/**
 * Batching across callers: requests that arrive within `windowMs` of the first waiting one go
 * through the model in one forward pass of up to `maxBatch` items, which is where onnxruntime
 * earns its speed (one image costs almost as much as several). Passes run one at a time; items
 * that arrive during a pass go in the next one, which starts as soon as that pass ends.
 *
 * The queue is bounded: `admit(n)` reserves room for a request's n items before its body is
 * decoded, and refuses with E_QUEUE_FULL when `maxQueue` items are already waiting or running,
 * so a flood of requests gets 503s rather than growing memory. Every admitted item is released
 * exactly once, whether its request succeeded, failed to decode, or its pass threw.
 */
import { fail } from '../index.js';

export interface BatcherOptions {
  /** How long the first waiting item waits for company. */
  windowMs: number;
  /** Items in one pass (a single request with more still goes in one pass of its own). */
  maxBatch: number;
  /** Items admitted (waiting or running) at once. */
  maxQueue: number;
}

export interface BatcherStats {
  /** Forward passes run. */
  passes: number;
  /** Items predicted. */
  items: number;
  /** Largest pass so far. */
  largestPass: number;
  /** Milliseconds spent in passes (the model's busy time). */
  busyMs: number;
  /** Items admitted and not yet finished. */
  admitted: number;
  /** Items waiting for a pass. */
  waiting: number;
  /** Requests refused because the queue was full. */
  refused: number;
}

interface Job<I, O> {
  items: I[];
  resolve: (out: O[]) => void;
  reject: (e: unknown) => void;
}

/** A reservation of queue room for n items; `release` is idempotent. */
export interface Admission {
  readonly n: number;
  release(): void;
}

export class Batcher<I, O> {
  private readonly waiting: Job<I, O>[] = [];
  private waitingItems = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly counters = { passes: 0, items: 0, largestPass: 0, busyMs: 0, admitted: 0, refused: 0 };

  /** `run` predicts a batch: one output per item, in order. */
  constructor(private readonly run: (items: I[]) => Promise<O[]>, readonly opts: BatcherOptions) {}

  get stats(): BatcherStats {
    return { ...this.counters, waiting: this.waitingItems };
  }

  /** Reserve room for n items, or fail with E_QUEUE_FULL. */
  admit(n: number): Admission {
    if (this.counters.admitted + n > this.opts.maxQueue) {
      this.counters.refused++;
      fail('E_QUEUE_FULL', `the server is busy: ${this.counters.admitted} images queued or running, at most ${this.opts.maxQueue} (--max-queue); retry after the time in Retry-After`);
    }
    this.counters.admitted += n;
    let released = false;
    return {
      n,
      release: () => {
        if (released) return;
        released = true;
        this.counters.admitted -= n;
      },
    };
  }

  /** Predict items (already admitted) in the next pass. */
  submit(items: I[]): Promise<O[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<O[]>((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      this.waitingItems += items.length;
      this.schedule();
    });
  }

  /** Resolves once nothing waits or runs (for a clean shutdown: no new items may arrive meanwhile). */
  async drain(): Promise<void> {
    while (this.running || this.waiting.length > 0) {
      if (!this.running) this.startPass();
      await this.running;
    }
  }

  private schedule(): void {
    if (this.running) return; // the pass's end starts the next one
    if (this.waitingItems >= this.opts.maxBatch) {
      this.startPass();
    } else if (!this.timer) {
      this.timer = setTimeout(() => { this.timer = null; this.startPass(); }, this.opts.windowMs);
    }
  }

  private startPass(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.running || this.waiting.length === 0) return;
    // Whole jobs, first come first served, while they fit; the first always goes.
    const jobs: Job<I, O>[] = [];
    let n = 0;
    while (this.waiting.length > 0 && (jobs.length === 0 || n + this.waiting[0].items.length <= this.opts.maxBatch)) {
      const job = this.waiting.shift()!;
      jobs.push(job);
      n += job.items.length;
    }
    this.waitingItems -= n;
    this.running = this.pass(jobs, n).finally(() => {
      this.running = null;
      // Items that arrived during the pass have waited long enough: go at once.
      if (this.waiting.length > 0) this.startPass();
    });
  }

  private async pass(jobs: Job<I, O>[], n: number): Promise<void> {
    let out: O[];
    const started = performance.now();
    try {
      out = await this.run(jobs.flatMap((j) => j.items));
      if (out.length !== n) throw new Error(`batch of ${n} items gave ${out.length} outputs`);
    } catch (e) {
      for (const j of jobs) j.reject(e);
      return;
    } finally {
      this.counters.busyMs += performance.now() - started;
    }
    this.counters.passes++;
    this.counters.items += n;
    this.counters.largestPass = Math.max(this.counters.largestPass, n);
    let at = 0;
    for (const j of jobs) {
      j.resolve(out.slice(at, at + j.items.length));
      at += j.items.length;
    }
  }
}
