import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synthesizeCatalog } from './catalog.js';
import { ALL_TYPES } from './garments.js';
import { rgbToOklch, sampleCatalogColor, sampleGarmentColor, type SynthColor } from './palette.js';
import { Rng } from '../core/rng.js';

const root = await mkdtemp(join(tmpdir(), 'branchnet-catalog-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const lab = (rgb: readonly number[]): number[] => {
  const [L, C, h] = rgbToOklch(rgb);
  return [L, C * Math.cos((h * Math.PI) / 180), C * Math.sin((h * Math.PI) / 180)];
};

describe('the pretraining catalog', () => {
  it('its garment colours stay away from black, blue and red as the demo draws them, and cover other colour words', () => {
    const rng = new Rng('catalog-colors');
    const catalog = Array.from({ length: 1500 }, () => lab(sampleCatalogColor(rng).rgb));
    const nearest = (color: SynthColor): number => {
      let min = Infinity;
      for (let i = 0; i < 500; i++) {
        const d = lab(sampleGarmentColor(rng, color).rgb);
        for (const c of catalog) min = Math.min(min, Math.hypot(c[0] - d[0], c[1] - d[1], c[2] - d[2]));
      }
      return min;
    };
    // OKLab distances; ~0.02 is a just-noticeable difference. Measured: black 0.039, blue 0.023, red 0.064.
    for (const c of ['black', 'blue', 'red'] as const) expect(nearest(c), c).toBeGreaterThan(0.02);
    // Not a narrow palette: the generator's greens and whites are inside the catalog's range.
    for (const c of ['green', 'white'] as const) expect(nearest(c), c).toBeLessThan(0.01);
  });

  it('draws every garment type into train/<type>/, records each image, and reuses an identical catalog', async () => {
    const out = join(root, 'c1');
    const a = await synthesizeCatalog({ out, perType: 2, width: 48, height: 64, workers: 1 });
    expect(a.cached).toBe(false);
    expect((await readdir(a.train)).sort()).toEqual([...ALL_TYPES].sort());
    expect(a.manifest.images).toHaveLength(2 * ALL_TYPES.length);
    expect(a.manifest.options.excludedColors).toEqual(['black', 'blue', 'red']);
    for (const im of a.manifest.images) {
      expect(existsSync(join(out, im.file))).toBe(true);
      expect(im.params.shade).toBe('catalog');
    }
    const b = await synthesizeCatalog({ out, perType: 2, width: 48, height: 64, workers: 1 });
    expect(b.cached).toBe(true);
    expect(b.manifest.optionsHash).toBe(a.manifest.optionsHash);
    // Another seed is another catalog: regenerated, not reused.
    const c = await synthesizeCatalog({ out, seed: 8, perType: 2, width: 48, height: 64, workers: 1 });
    expect(c.cached).toBe(false);
    expect(c.manifest.images[0]!.params.garmentRgb).not.toEqual(a.manifest.images[0]!.params.garmentRgb);
  });

  it("never writes into a folder of someone else's files", async () => {
    const out = join(root, 'mine');
    await mkdir(out);
    await writeFile(join(out, 'notes.txt'), 'mine');
    await expect(synthesizeCatalog({ out, perType: 1, width: 48, height: 64 })).rejects.toThrow(/is not empty and holds no catalog/);
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });
});
