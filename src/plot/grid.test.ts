import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { BranchnetError } from '../core/errors.js';
import { WRONG_COLOR, captionParts, cellOverlaySvg, escapeXml, gridLayout, renderPredictionGrid } from './grid.js';
import type { GridCell, RawImage } from './grid.js';

function solid(width: number, height: number, rgb: [number, number, number], channels: 3 | 4 = 3): RawImage {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < width * height; i++) {
    data.set(channels === 3 ? rgb : [...rgb, 255], i * channels);
  }
  return { data, width, height, channels };
}

async function pixel(png: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i]!, data[i + 1]!, data[i + 2]!];
}

const tmp = mkdtempSync(join(tmpdir(), 'branchnet-grid-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('gridLayout', () => {
  it('uses 4 columns by default and ceil(n/4) rows', () => {
    const l = gridLayout(6);
    expect([l.columns, l.rows, l.width, l.height]).toEqual([4, 2, 880, 600]);
    expect(gridLayout(8).rows).toBe(2);
    expect(gridLayout(9).rows).toBe(3);
  });

  it('shrinks to n columns when there are fewer images than columns', () => {
    const l = gridLayout(2, { cellWidth: 100, cellHeight: 150 });
    expect([l.columns, l.rows, l.width, l.height]).toEqual([2, 1, 200, 150]);
  });

  it('rejects bad options with E_ARGS', () => {
    expect(() => gridLayout(0)).toThrowError(BranchnetError);
    expect(() => gridLayout(3, { columns: 0 })).toThrowError(/columns must be an integer >= 1, got 0/);
    expect(() => gridLayout(3, { cellHeight: 10 })).toThrowError(/cellHeight must be an integer/);
  });
});

describe('caption overlay', () => {
  const layout = gridLayout(1);

  it('escapes XML special characters', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&#39;');
    expect(escapeXml('bell\u0007')).toBe('bell');
    const svg = cellOverlaySvg({ image: { path: 'x' }, caption: 'black <&> dress', subcaption: '</svg>&' }, layout);
    expect(svg).toContain('&lt;&amp;&gt;');
    expect(svg).toContain('&lt;/svg&gt;&amp;');
    expect(svg).not.toContain('<&>');
  });

  it('draws wrong heads in red with a marker, correct ones not', () => {
    const svg = cellOverlaySvg({ image: { path: 'x' }, caption: 'black jeans', wrong: [false, true] }, layout);
    expect(svg).toContain(`<tspan fill="${WRONG_COLOR}" font-weight="bold" text-decoration="underline">jeans \u2717</tspan>`);
    expect(svg).toContain('<tspan fill="#222222">black</tspan>');
    expect(svg).toContain(`stroke="${WRONG_COLOR}"`); // frame around the image
    const ok = cellOverlaySvg({ image: { path: 'x' }, caption: 'black dress', wrong: [false, false] }, layout);
    expect(ok).not.toContain(WRONG_COLOR);
  });

  it('splits captions per head, or takes explicit parts', () => {
    expect(captionParts('  black   dress ')).toEqual(['black', 'dress']);
    expect(captionParts(['light blue', 'dress'])).toEqual(['light blue', 'dress']);
    const svg = cellOverlaySvg({ image: { path: 'x' }, caption: ['light blue', 'dress'], wrong: [true, false] }, layout);
    expect(svg).toContain('>light blue \u2717</tspan>');
  });

  it('rejects more wrong flags than caption parts', () => {
    expect(() => cellOverlaySvg({ image: { path: 'x' }, caption: 'dress', wrong: [false, true] }, layout)).toThrowError(
      /has 1 part\(s\) but wrong has 2 flags/,
    );
  });

  it('shrinks a long caption to fit the cell', () => {
    const svg = cellOverlaySvg({ image: { path: 'x' }, caption: 'extraordinarily-long-colour-name sweatshirt' }, gridLayout(1, { cellWidth: 120 }));
    const size = Number(/font-size="([\d.]+)"/.exec(svg)![1]);
    expect(size).toBeLessThan(16);
    expect(size).toBeGreaterThanOrEqual(8);
  });
});

describe('renderPredictionGrid', () => {
  it('renders n=6 images as 4 columns x 2 rows with images centred and aspect kept', async () => {
    const cells: GridCell[] = Array.from({ length: 6 }, (_, i) => ({
      image: solid(128, 160, [0, 0, 200]),
      caption: i === 0 ? 'black jeans' : 'blue dress',
      wrong: i === 0 ? [false, true] : undefined,
      subcaption: '0.98 \u00b7 0.91',
    }));
    const png = await renderPredictionGrid(cells, { cellWidth: 200, cellHeight: 280 });
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([800, 560]);
    const l = gridLayout(6, { cellWidth: 200, cellHeight: 280 }, true);
    // Box is 184 x (280 - band - 12); 128x160 scales to fit height; centre pixel is blue.
    const cx = 200 + Math.floor(l.cellWidth / 2);
    const cy = l.imageBox.top + Math.floor(l.imageBox.height / 2);
    expect(await pixel(png, cx, cy)).toEqual([0, 0, 200]);
    // 4:5 aspect kept: the image is narrower than the box, so the box edge stays white.
    expect(await pixel(png, 200 + l.imageBox.left + 1, cy)).toEqual([255, 255, 255]);
    // Empty last two cells are white.
    expect(await pixel(png, 3 * 200 + 100, 280 + 140)).toEqual([255, 255, 255]);
    // The wrong cell's caption has red pixels in its caption band; a correct cell's has none.
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const redIn = (x0: number): number => {
      let n = 0;
      for (let y = 0; y < l.captionBand; y++) {
        for (let x = x0; x < x0 + 200; x++) {
          const i = (y * info.width + x) * 3;
          if (data[i]! > 180 && data[i + 1]! < 90 && data[i + 2]! < 90) n++;
        }
      }
      return n;
    };
    expect(redIn(0)).toBeGreaterThan(20);
    expect(redIn(200)).toBe(0);
  });

  it('renders a caption with <&> without breaking', async () => {
    const png = await renderPredictionGrid([{ image: solid(32, 32, [10, 200, 10]), caption: 'a<&>b "x"', wrong: [true], subcaption: '<&>' }]);
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([220, 300]);
  });

  it('accepts RGBA pixels (flattened onto white) and image paths', async () => {
    const rgba = solid(20, 10, [255, 0, 0], 4);
    for (let i = 3; i < rgba.data.length; i += 4) rgba.data[i] = 0; // fully transparent
    const file = join(tmp, 'green.png');
    writeFileSync(file, await sharp({ create: { width: 50, height: 50, channels: 3, background: '#00ff00' } }).png().toBuffer());
    const png = await renderPredictionGrid([
      { image: rgba, caption: 'clear' },
      { image: { path: file }, caption: 'green' },
    ], { columns: 4 });
    const l = gridLayout(2);
    const cy = l.imageBox.top + Math.floor(l.imageBox.height / 2);
    expect(await pixel(png, 110, cy)).toEqual([255, 255, 255]);
    expect(await pixel(png, 220 + 110, cy)).toEqual([0, 255, 0]);
  });

  it('reports bad pixels and unreadable files with stable codes', async () => {
    await expect(renderPredictionGrid([{ image: { data: new Uint8Array(5), width: 2, height: 2, channels: 3 }, caption: 'x' }])).rejects.toMatchObject({
      code: 'E_ARGS',
      message: expect.stringContaining('expected 2*2*3 = 12'),
    });
    await expect(renderPredictionGrid([{ image: { path: join(tmp, 'missing.png') }, caption: 'x' }])).rejects.toMatchObject({
      code: 'E_IMAGE_DECODE',
      message: expect.stringContaining('missing.png'),
    });
    await expect(renderPredictionGrid([])).rejects.toMatchObject({ code: 'E_ARGS' });
  });
});
