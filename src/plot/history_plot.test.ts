import sharp from 'sharp';
import * as vl from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { BranchnetError } from '../core/errors.js';
import {
  discoverHeads,
  historySpec,
  renderHistoryPlot,
} from './history_plot.js';
import type { HistoryRecord } from './history_plot.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- specs are inspected as plain JSON */
type Json = Record<string, any>;

const ramp = (n: number, a: number, b: number): number[] =>
  Array.from({ length: n }, (_, i) => Number((a + ((b - a) * i) / Math.max(1, n - 1)).toFixed(4)));

function twoHeadHistory(n = 15): HistoryRecord {
  return {
    loss: ramp(n, 1.2, 0.1),
    color_loss: ramp(n, 0.9, 0.05),
    type_loss: ramp(n, 1.0, 0.07),
    color_acc: ramp(n, 0.6, 0.98),
    type_acc: ramp(n, 0.55, 0.97),
    val_loss: ramp(n, 1.0, 0.05),
    val_color_loss: ramp(n, 0.8, 0.04),
    val_type_loss: ramp(n, 0.9, 0.03),
    val_color_acc: ramp(n, 0.7, 0.97),
    val_type_acc: ramp(n, 0.6, 0.99),
  };
}

function panels(spec: Json): Json[] {
  return spec.hconcat as Json[];
}
function dataLayers(panel: Json): Json[] {
  return (panel.layer as Json[]).filter((l) => l.encoding?.color !== undefined);
}
function markType(layer: Json): string {
  return typeof layer.mark === 'string' ? layer.mark : layer.mark.type;
}

async function distinctColours(png: Buffer): Promise<number> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const seen = new Set<number>();
  for (let i = 0; i < data.length; i += info.channels) {
    // quantise to 4 bits per channel so anti-aliasing does not inflate the count
    seen.add(((data[i]! >> 4) << 8) | ((data[i + 1]! >> 4) << 4) | (data[i + 2]! >> 4));
  }
  return seen.size;
}

describe('discoverHeads', () => {
  it('finds heads from <head>_acc keys in key order, not from val_ keys', () => {
    const heads = discoverHeads(twoHeadHistory(3));
    expect(heads).toEqual([
      { head: 'color', acc: 'color_acc', valAcc: 'val_color_acc', loss: 'color_loss', valLoss: 'val_color_loss' },
      { head: 'type', acc: 'type_acc', valAcc: 'val_type_acc', loss: 'type_loss', valLoss: 'val_type_loss' },
    ]);
  });

  it('accepts the newer <head>_accuracy spelling and missing validation keys', () => {
    expect(discoverHeads({ sleeve_accuracy: [0.5], sleeve_loss: [1] })).toEqual([
      { head: 'sleeve', acc: 'sleeve_accuracy', valAcc: undefined, loss: 'sleeve_loss', valLoss: undefined },
    ]);
  });
});

describe('historySpec', () => {
  it('builds two panels titled as the notebook, a point layer and a line layer per head', () => {
    const spec = historySpec(twoHeadHistory()) as Json;
    const [acc, loss] = panels(spec);
    expect(panels(spec)).toHaveLength(2);
    expect(acc!.title.text).toBe('Training and validation accuracy');
    expect(loss!.title.text).toBe('Training and validation loss');

    for (const [panel, metric] of [
      [acc!, 'acc'],
      [loss!, 'loss'],
    ] as const) {
      const layers = dataLayers(panel);
      expect(layers.map(markType)).toEqual(['point', 'line', 'point', 'line']);
      expect(layers.map((l) => l.data.values[0].series)).toEqual([
        `Color training ${metric}`,
        `Color validation ${metric}`,
        `Type training ${metric}`,
        `Type validation ${metric}`,
      ]);
      expect(panel.layer[0].encoding.y.title).toBe(metric === 'acc' ? 'Accuracy' : 'Loss');
      expect(panel.layer[0].encoding.x.title).toBe('Epoch');
    }
  });

  it('uses 1-based epochs and the history values unchanged', () => {
    const h = twoHeadHistory(15);
    const spec = historySpec(h) as Json;
    const colorTrain = dataLayers(panels(spec)[0]!)[0]!.data.values as Json[];
    expect(colorTrain).toHaveLength(15);
    expect(colorTrain[0]).toEqual({ epoch: 1, value: 0.6, head: 'color', split: 'training', metric: 'acc', series: 'Color training acc' });
    expect(colorTrain[14]!.epoch).toBe(15);
    expect(colorTrain[14]!.value).toBe(0.98);
  });

  it('gives each head one colour for its training and validation series (blue, red as the notebook)', () => {
    const spec = historySpec(twoHeadHistory()) as Json;
    const scale = dataLayers(panels(spec)[0]!)[0]!.encoding.color.scale;
    expect(scale.domain).toEqual(['Color training acc', 'Color validation acc', 'Type training acc', 'Type validation acc']);
    expect(scale.range).toEqual(['#1f77b4', '#1f77b4', '#d62728', '#d62728']);
  });

  it('handles three heads', () => {
    const h: HistoryRecord = { ...twoHeadHistory(5), pattern_acc: ramp(5, 0.4, 0.9), val_pattern_acc: ramp(5, 0.5, 0.8), pattern_loss: ramp(5, 2, 0.3), val_pattern_loss: ramp(5, 1.8, 0.4) };
    const spec = historySpec(h) as Json;
    for (const p of panels(spec)) {
      expect(dataLayers(p).map(markType)).toEqual(['point', 'line', 'point', 'line', 'point', 'line']);
    }
    const accScale = dataLayers(panels(spec)[0]!)[0]!.encoding.color.scale;
    expect(accScale.domain.slice(4)).toEqual(['Pattern training acc', 'Pattern validation acc']);
    expect(accScale.range.slice(4)).toEqual(['#2ca02c', '#2ca02c']);
    // and it compiles to Vega without errors
    expect(() => vl.compile(historySpec(h))).not.toThrow();
  });

  it('draws a phase rule between epochs 10 and 11 labelled "phase 2" in both panels', () => {
    const spec = historySpec(twoHeadHistory(15), { phaseStarts: [11] }) as Json;
    for (const p of panels(spec)) {
      const rule = (p.layer as Json[]).find((l) => markType(l) === 'rule')!;
      const text = (p.layer as Json[]).find((l) => markType(l) === 'text')!;
      expect(rule.data.values).toEqual([{ x: 10.5, label: 'phase 2' }]);
      expect(text.encoding.text.field).toBe('label');
    }
  });

  it('ignores phase starts outside 2..epochs and has no rule without phases', () => {
    const spec = historySpec(twoHeadHistory(15), { phaseStarts: [1, 16] }) as Json;
    expect((panels(spec)[0]!.layer as Json[]).some((l) => markType(l) === 'rule')).toBe(false);
  });

  it('skips non-finite values (gaps) and plots total loss only when asked', () => {
    const h = twoHeadHistory(4);
    h.val_color_acc = [0.5, Number.NaN, 0.7, 0.8];
    const spec = historySpec(h) as Json;
    const valColor = dataLayers(panels(spec)[0]!)[1]!.data.values as Json[];
    expect(valColor.map((r) => r.epoch)).toEqual([1, 3, 4]);
    expect(dataLayers(panels(spec)[1]!)).toHaveLength(4);
    const withTotal = historySpec(h, { showTotalLoss: true }) as Json;
    const lossLayers = dataLayers(panels(withTotal)[1]!);
    expect(lossLayers).toHaveLength(6);
    expect(lossLayers[4]!.data.values[0].series).toBe('Total training loss');
  });

  it('renders only the accuracy panel when the history has no loss keys', async () => {
    const spec = historySpec({ color_acc: [0.5, 0.6], val_color_acc: [0.4, 0.7] }) as Json;
    expect(panels(spec).map((p) => p.title.text)).toEqual(['Training and validation accuracy']);
    const { svg } = await renderHistoryPlot({ color_acc: [0.5, 0.6], val_color_acc: [0.4, 0.7] });
    expect(svg).toContain('Color validation acc');
  });

  it('numbers phases in epoch order and honours phaseLabels', () => {
    const spec = historySpec(twoHeadHistory(15), { phaseStarts: [11, 6], phaseLabels: ['fine-tune', 'warm-up'] }) as Json;
    const rule = (panels(spec)[0]!.layer as Json[]).find((l) => markType(l) === 'rule')!;
    expect(rule.data.values).toEqual([
      { x: 5.5, label: 'warm-up' },
      { x: 10.5, label: 'fine-tune' },
    ]);
    const unlabeled = historySpec(twoHeadHistory(15), { phaseStarts: [11, 6] }) as Json;
    const rule2 = (panels(unlabeled)[0]!.layer as Json[]).find((l) => markType(l) === 'rule')!;
    expect(rule2.data.values.map((r: Json) => r.label)).toEqual(['phase 2', 'phase 3']);
  });

  it('rejects a history without any <head>_acc key with E_ARGS', () => {
    let error: unknown;
    try {
      historySpec({ loss: [1, 0.5] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BranchnetError);
    expect((error as BranchnetError).code).toBe('E_ARGS');
    expect((error as Error).message).toContain('got keys [loss]');
  });
});

describe('renderHistoryPlot', () => {
  it('renders SVG with legend labels and a non-blank PNG at 2x density', async () => {
    const { svg, png } = await renderHistoryPlot(twoHeadHistory(15), { title: 'Run 1', phaseStarts: [11], width: 300, height: 200 });
    expect(svg.startsWith('<svg')).toBe(true);
    for (const label of ['Color training acc', 'Type validation acc', 'Color validation loss', 'Training and validation accuracy', 'Training and validation loss', 'phase 2', 'Epoch']) {
      expect(svg).toContain(label);
    }
    const svgW = Number(/<svg[^>]* width="(\d+)"/.exec(svg)![1]);
    const svgH = Number(/<svg[^>]* height="(\d+)"/.exec(svg)![1]);
    expect(svgW).toBeGreaterThan(2 * 300);
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(svgW * 2);
    expect(meta.height).toBe(svgH * 2);
    expect(await distinctColours(png)).toBeGreaterThanOrEqual(8);
    // the two head colours appear in the raster
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    let blue = 0;
    let red = 0;
    for (let i = 0; i < data.length; i += info.channels) {
      const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
      if (Math.abs(r - 0x1f) < 12 && Math.abs(g - 0x77) < 12 && Math.abs(b - 0xb4) < 12) blue++;
      if (Math.abs(r - 0xd6) < 12 && Math.abs(g - 0x27) < 12 && Math.abs(b - 0x28) < 12) red++;
    }
    expect(blue).toBeGreaterThan(500);
    expect(red).toBeGreaterThan(500);
  });

  it('renders a 3-head history', async () => {
    const h: HistoryRecord = { a_acc: [0.1, 0.5, 0.9], b_acc: [0.2, 0.4, 0.6], c_acc: [0.3, 0.3, 0.3], a_loss: [3, 2, 1], b_loss: [2, 2, 1], c_loss: [1, 1, 1] };
    const { svg, png } = await renderHistoryPlot(h);
    expect(svg).toContain('C training acc');
    expect(svg).toContain('C training loss');
    const meta = await sharp(png).metadata();
    expect(meta.width).toBeGreaterThan(800);
  });
});
