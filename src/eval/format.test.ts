import { describe, expect, it } from 'vitest';
import { formatInterval, formatRate, markdownTable, mdCell, pct, textTable } from './format.js';

describe('format', () => {
  it('pct', () => {
    expect(pct(0.93333)).toBe('93.3%');
    expect(pct(1)).toBe('100.0%');
    expect(pct(NaN)).toBe('–');
    expect(pct(undefined)).toBe('–');
    expect(pct(0.5, 0)).toBe('50%');
  });

  it('formatRate writes rate [lo–hi] in percent, – for n = 0', () => {
    const r = { rate: 0.8, lo: 0.49016, hi: 0.94333, n: 10, k: 8 };
    expect(formatRate(r)).toBe('80.0% [49.0–94.3]');
    expect(formatInterval(r)).toBe('[49.0–94.3]');
    expect(formatRate({ rate: NaN, lo: 0, hi: 1, n: 0, k: 0 })).toBe('–');
  });

  it('textTable aligns columns: first left, others right', () => {
    expect(textTable(['name', 'n'], [['a', '10'], ['long name', '2']])).toBe(
      ['name        n', '─────────────', 'a          10', 'long name   2'].join('\n'),
    );
  });

  it('markdownTable escapes pipes and newlines', () => {
    expect(mdCell('a|b\nc')).toBe('a\\|b c');
    expect(markdownTable(['a', 'b'], [['x', '1']])).toBe('| a | b |\n| :-- | --: |\n| x | 1 |');
  });
});
