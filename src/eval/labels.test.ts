import { describe, expect, it } from 'vitest';
import { labelHeads } from './labels.js';

const HEADS = [{ name: 'color', vocab: ['black', 'blue', 'red'] }, { name: 'type', vocab: ['dress', 'jeans'] }];

describe('labelHeads', () => {
  it('labels each head with its most probable class and keeps every probability in vocabulary order', () => {
    const out = labelHeads(HEADS, [[0.1, 0.3, 0.6], new Float32Array([0.75, 0.25])]);
    expect(out.color).toEqual({ label: 'red', probability: 0.6, probabilities: { black: 0.1, blue: 0.3, red: 0.6 } });
    expect(out.type!.label).toBe('dress');
    expect(Object.keys(out.type!.probabilities)).toEqual(['dress', 'jeans']);
  });

  it('gives a tie to the first class in the vocabulary', () => {
    expect(labelHeads(HEADS, [[0.4, 0.4, 0.2], [0.5, 0.5]])).toMatchObject({ color: { label: 'black' }, type: { label: 'dress' } });
  });
});
