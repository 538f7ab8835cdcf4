import { describe, expect, it } from 'vitest';
import type { Item } from './manifest.js';
import { splitItems } from './split.js';

function items(n: number, combos = ['black_jeans', 'blue_dress', 'blue_jeans', 'blue_shirt', 'red_dress', 'red_shirt']): Item[] {
  return Array.from({ length: n }, (_, i) => {
    const combo = combos[i % combos.length]!;
    return { path: `train/${combo}/${String(i).padStart(5, '0')}.jpg`, labels: combo.split('_'), combo };
  });
}

describe('splitItems', () => {
  it("splits the notebook's 2167 images into 1734 training and 433 validation images", () => {
    const { train, val, heldOut } = splitItems(items(2167));
    expect(train.length).toBe(1734);
    expect(val.length).toBe(433);
    expect(heldOut).toEqual([]);
  });

  it('every item lands in exactly one set', () => {
    const all = items(101);
    const { train, val } = splitItems(all, { valFraction: 0.3, seed: 5 });
    expect(train.length).toBe(71); // round(0.7 · 101) = round(70.7)
    const paths = [...train, ...val].map((i) => i.path).sort();
    expect(paths).toEqual(all.map((i) => i.path).sort());
  });

  it('the same seed gives the same split; another seed a different one', () => {
    const all = items(50);
    const a = splitItems(all, { seed: 100 });
    const b = splitItems(all, { seed: 100 });
    const c = splitItems(all, { seed: 101 });
    expect(a).toEqual(b);
    expect(c.val.map((i) => i.path)).not.toEqual(a.val.map((i) => i.path));
  });

  it('held-out combos are in neither set and come back separately', () => {
    const all = items(60);
    const { train, val, heldOut } = splitItems(all, { holdOut: ['blue_dress'] });
    expect(heldOut.length).toBe(10);
    expect(heldOut.every((i) => i.combo === 'blue_dress')).toBe(true);
    expect([...train, ...val].some((i) => i.combo === 'blue_dress')).toBe(false);
    expect(train.length + val.length).toBe(50);
    expect(train.length).toBe(40);
  });

  it('a hold-out combo that matches nothing is refused, listing the combos there are', () => {
    expect(() => splitItems(items(12), { holdOut: ['black_dress'] })).toThrow(
      'hold-out combo "black_dress" matches no image; the data set has [black_jeans, blue_dress, blue_jeans, blue_shirt, red_dress, red_shirt]',
    );
  });

  it('valFraction 0 puts everything in training; 1 or more is refused', () => {
    expect(splitItems(items(10), { valFraction: 0 }).train.length).toBe(10);
    expect(() => splitItems(items(10), { valFraction: 1 })).toThrow(
      'valFraction 1 is out of range; use a fraction from 0 up to (not including) 1, e.g. 0.2',
    );
  });
});
