/**
 * Seeded pseudo-random numbers for everything in the data pipeline that must be repeatable:
 * the train/validation split, per-epoch shuffles and augmentation draws.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state),
 * seeded through splitmix32. It uses only 32-bit integer arithmetic (`Math.imul`, `>>>`), so the
 * sequence for a given seed is identical on every platform and Node version. It is NOT numpy's
 * Mersenne Twister: the same seed gives different numbers than the notebook's
 * `random_state=100`; only the procedure (and its determinism) is reproduced.
 */
import { fail } from '../core/errors.js';

const TWO_POW_32 = 4294967296;

function splitmix32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    t ^= t >>> 15;
    return t >>> 0;
  };
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed` is any finite number; integers up to 2^53 are all distinct seeds. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) {
      fail('E_CONFIG', `seed ${String(seed)} is not a finite number; pass an integer such as 100`);
    }
    const lo = seed >>> 0;
    const hi = Math.floor(Math.abs(seed) / TWO_POW_32) >>> 0;
    const mix = splitmix32(lo ^ Math.imul(hi, 0x85ebca6b) ^ (seed < 0 ? 0x5bd1e995 : 0));
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix() | 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Restore a generator from `state()`; continues the exact sequence. */
  static fromState(state: readonly number[]): Rng {
    const r = new Rng(0);
    [r.a, r.b, r.c, r.d] = state.map((v) => v | 0) as [number, number, number, number];
    return r;
  }

  /** The four 32-bit words of internal state (for checkpointing a run). */
  state(): number[] {
    return [this.a, this.b, this.c, this.d];
  }

  /** Continue from `state()` in place (a resumed run's generators are the same objects). */
  setState(state: readonly number[]): void {
    if (state.length !== 4 || !state.every(Number.isInteger)) fail('E_CONFIG', `Rng.setState: expected 4 integers from state(), received ${JSON.stringify(state)}`);
    [this.a, this.b, this.c, this.d] = state.map((v) => v | 0) as [number, number, number, number];
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform in [lo, hi) — same formula as numpy's `uniform`: lo + (hi - lo) * next(). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) {
      fail('E_CONFIG', `Rng.int(${n}): n must be a positive integer`);
    }
    return Math.floor(this.next() * n);
  }

  /** Fisher–Yates shuffle in place (from the end, like numpy's `shuffle`); returns the array. */
  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i] as T;
      array[i] = array[j] as T;
      array[j] = tmp;
    }
    return array;
  }
}

/** Convenience: `new Rng(seed)`. */
export function createRng(seed: number): Rng {
  return new Rng(seed);
}
