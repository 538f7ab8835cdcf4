/**
 * Seeded pseudo-random numbers for everything that must be repeatable: the train/validation
 * split, per-epoch shuffles, augmentation draws, and the synthetic data generator.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state).
 * Two ways to seed it, which give different streams:
 *   new Rng(100)            a number, through splitmix32 (the data pipeline's seeds);
 *   new Rng('1|train|x|0')  a string key, through FNV-1a + murmur3 (the synthetic generator, one
 *                           stream per image, so workers can draw images in any order).
 * Only 32-bit integer arithmetic (`Math.imul`, `>>>`) and IEEE +,-,*,/ produce numbers, so a
 * seed gives the same sequence on every platform, Node version and worker. It is NOT numpy's
 * Mersenne Twister: the same seed gives different numbers than the notebook's
 * `random_state=100`; only the procedure (and its determinism) is reproduced.
 */
import { fail } from './errors.js';

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

/** 32-bit FNV-1a hash of a string followed by a murmur3 finaliser (good avalanche). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A number seed (splitmix32) or a string key (hashed); see the module comment. */
  constructor(seed: number | string) {
    if (typeof seed === 'string') {
      this.a = hashString(seed + '#a');
      this.b = hashString(seed + '#b');
      this.c = hashString(seed + '#c');
      this.d = 1;
    } else {
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
    }
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A generator continuing from `state()` (for checkpoints). */
  static fromState(state: readonly number[]): Rng {
    const r = new Rng(0);
    [r.a, r.b, r.c, r.d] = state.map((v) => v | 0) as [number, number, number, number];
    return r;
  }

  /** The full 128-bit state, as four int32s. */
  state(): number[] {
    return [this.a, this.b, this.c, this.d];
  }

  /** Continue from `state()` in place (a resumed run's generators are the same objects). */
  setState(state: readonly number[]): void {
    if (state.length !== 4 || !state.every(Number.isInteger)) fail('E_CONFIG', `Rng.setState: expected 4 integers from state(), received ${JSON.stringify(state)}`);
    [this.a, this.b, this.c, this.d] = state.map((v) => v | 0) as [number, number, number, number];
  }

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

  /** Uniform in [lo, hi). */
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

  /** Uniform integer in [lo, hi], both ends included. */
  intBetween(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** -1 or +1. */
  sign(): number {
    return this.next() < 0.5 ? -1 : 1;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One item, with probability proportional to its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1]![0];
  }

  /** Approximately normal (Irwin–Hall of 4, rescaled to unit variance): bounded, cheap, deterministic. */
  normal(mean = 0, sd = 1): number {
    const s = this.next() + this.next() + this.next() + this.next() - 2;
    return mean + sd * s * 1.7320508075688772;
  }

  /** Fisher–Yates, in place. */
  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i] as T;
      array[i] = array[j] as T;
      array[j] = tmp;
    }
    return array;
  }

  /** An independent stream derived from this one's state and a label (string-keyed). */
  fork(label: string): Rng {
    return new Rng(`${this.a}:${this.b}:${this.c}:${this.d}:${label}`);
  }
}

export function createRng(seed: number): Rng {
  return new Rng(seed);
}
