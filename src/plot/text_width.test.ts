import * as vega from 'vega';
import { describe, expect, it } from 'vitest';
import { textWidth, truncateToWidth, useDejaVuTextMetrics, vegaTextWidth } from './text_width.js';

describe('DejaVu Sans text widths', () => {
  it('uses the font advance widths', () => {
    expect(textWidth('m', 10)).toBeCloseTo(9.74, 5);
    expect(textWidth('il', 100)).toBeCloseTo(55.6, 5);
    expect(textWidth('m', 10, true)).toBeCloseTo(10.42, 5);
    expect(textWidth('Color validation loss', 12)).toBeCloseTo(121.248, 3);
  });

  it('truncates with an ellipsis to the width limit', () => {
    const t = truncateToWidth('a very long subcaption indeed', 60, 12);
    expect(t.endsWith('\u2026')).toBe(true);
    expect(textWidth(t, 12)).toBeLessThanOrEqual(60);
    expect(truncateToWidth('short', 60, 12)).toBe('short');
  });

  it('replaces only Vega\u2019s canvas-less 0.8 em estimate, idempotently', () => {
    expect(useDejaVuTextMetrics()).toBe(true);
    expect(useDejaVuTextMetrics()).toBe(true);
    const tm = (vega as unknown as { textMetrics: { width: unknown } }).textMetrics;
    expect(tm.width).toBe(vegaTextWidth);
    expect(vegaTextWidth({ fontSize: 10 }, 'mm')).toBeCloseTo(19.48, 5);
    expect(vegaTextWidth({ fontSize: 10, fontWeight: 'bold' }, 'm')).toBeCloseTo(10.42, 5);
    expect(vegaTextWidth({ fontSize: 10, limit: 30 }, 'mmmmmmmm')).toBeLessThanOrEqual(30);
  });
});
