import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng', () => {
  it('the same seed gives the same sequence, pinned so a change to the generator is noticed', () => {
    const a = new Rng(100);
    const b = new Rng(100);
    const seqA = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(seqA);
    expect(seqA).toEqual(GOLDEN_100);
  });

  it('different seeds give different sequences', () => {
    expect(new Rng(1).next()).not.toBe(new Rng(2).next());
    expect(new Rng(0).next()).not.toBe(new Rng(2 ** 32).next());
  });

  it('next() is in [0, 1), uniform(lo, hi) in [lo, hi), int(n) in 0..n-1 and hits every value', () => {
    const r = new Rng(7);
    const seen = new Set<number>();
    let sum = 0;
    let outOfRange = 0;
    for (let i = 0; i < 20000; i++) {
      const x = r.next();
      const u = r.uniform(-10, 10);
      const k = r.int(6);
      if (!(x >= 0 && x < 1) || !(u >= -10 && u < 10) || !(Number.isInteger(k) && k >= 0 && k < 6)) outOfRange++;
      sum += x;
      seen.add(k);
    }
    expect(outOfRange).toBe(0);
    expect(seen.size).toBe(6);
    expect(sum / 20000).toBeCloseTo(0.5, 1);
  });

  it('shuffle is a seeded permutation (Fisher–Yates)', () => {
    const xs = Array.from({ length: 50 }, (_, i) => i);
    const a = new Rng(3).shuffle([...xs]);
    const b = new Rng(3).shuffle([...xs]);
    expect(a).toEqual(b);
    expect(a).not.toEqual(xs);
    expect([...a].sort((p, q) => p - q)).toEqual(xs);
  });

  it('state() and fromState() continue the same sequence', () => {
    const r = new Rng(42);
    r.next();
    const copy = Rng.fromState(r.state());
    expect(copy.next()).toBe(r.next());
  });

  it('a non-finite seed is refused', () => {
    expect(() => new Rng(Number.NaN)).toThrow('seed NaN is not a finite number; pass an integer such as 100');
  });
});

const GOLDEN_100 = [4263658640, 3792627678, 4271485793, 1637294910, 1937222913];

describe('Rng.setState', () => {
  it('continues in place the sequence state() was taken from', () => {
    const r = new Rng(42);
    r.next();
    const s = r.state();
    const ahead = [r.next(), r.next()];
    const other = new Rng(1);
    other.setState(s);
    expect([other.next(), other.next()]).toEqual(ahead);
  });
});
