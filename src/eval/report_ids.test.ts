/**
 * Chart ids in report.html: numbered within each page, so a page does not depend on how many
 * reports the process drew before it. The charts Vega draws for the report today carry no ids of
 * their own, so the renderer is replaced here by one whose SVG has a clip path.
 */
import { describe, expect, it, vi } from 'vitest';
import type { EvalResult } from './evaluate.js';
import { evaluateMetrics } from './metrics.js';
import { renderReport, type ReportInput } from './report.js';

vi.mock('../plot/history_plot.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../plot/history_plot.js')>()),
  renderVegaLiteSvg: async () => '<svg><clipPath id="clip1"><rect/></clipPath><g clip-path="url(#clip1)"/></svg>',
}));

const result: EvalResult = {
  heads: [
    { name: 'color', vocab: ['black', 'blue'] },
    { name: 'type', vocab: ['dress', 'jeans'] },
  ],
  records: [
    { path: 'a.jpg', truth: ['black', 'jeans'], pred: ['black', 'jeans'], prob: [0.9, 0.9], combo: 'black_jeans', seen: true },
    { path: 'b.jpg', truth: ['black', 'dress'], pred: ['black', 'jeans'], prob: [0.9, 0.9], combo: 'black_dress', seen: false },
  ],
  trainCombos: ['black_jeans'],
  failures: [],
};

describe('chart ids of a report', () => {
  it('are numbered from c1 in every page: the same input gives the same page after other reports', async () => {
    const metrics = evaluateMetrics(result);
    const input: ReportInput = { title: 't', createdAt: 'x', models: [{ name: 'a', metrics }] };
    const first = await renderReport(input);
    await renderReport({ title: 'other', createdAt: 'y', models: [{ name: 'b', metrics }, { name: 'c', metrics }] });
    const again = await renderReport(input);
    expect(again).toBe(first);
    // 2 confusion charts + 1 unseen-outcome chart, each with its own ids and references
    const ids = [...first.matchAll(/<clipPath id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(['c1-clip1', 'c2-clip1', 'c3-clip1']);
    expect(first).toContain('clip-path="url(#c3-clip1)"');
  });
});
