import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { BranchnetError } from '../core/errors.js';
import { NOTEBOOK_TRAIN_COMBOS, notebookTrainCombos, SYNTH_DEFAULTS, SYNTH_VERSION, synthesize, type SynthOptions } from './index.js';

const root = await mkdtemp(join(tmpdir(), 'branchnet-synth-'));
afterAll(() => rm(root, { recursive: true, force: true }));
let n = 0;
const dir = (): string => join(root, `d${n++}`);

/** Small sets keep the tests fast on shared 2-core machines. */
const SMALL: Partial<SynthOptions> = { trainPerCombo: 2, testPerCombo: 1, width: 64, height: 80 };

async function listFiles(d: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(join(d, prefix), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(d, rel)));
    else out.push(rel);
  }
  return out;
}

async function expectSynthError(opts: Partial<SynthOptions>, code: string, ...parts: string[]): Promise<void> {
  const err = await synthesize({ out: dir(), ...opts }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BranchnetError);
  expect((err as BranchnetError).code).toBe(code);
  for (const p of parts) expect((err as Error).message).toContain(p);
}

describe('synthesize: determinism', () => {
  it('same seed and options give byte-identical files; another seed gives different ones', async () => {
    const a = dir();
    const b = dir();
    const c = dir();
    await synthesize({ out: a, ...SMALL, sheet: true });
    await synthesize({ out: b, ...SMALL, sheet: true });
    await synthesize({ out: c, ...SMALL, seed: 2 });
    const fa = await listFiles(a);
    expect(await listFiles(b)).toEqual(fa);
    expect(fa).toContain('manifest.json');
    expect(fa).toContain('sheet.png');
    for (const f of fa) expect((await readFile(join(b, f))).equals(await readFile(join(a, f))), f).toBe(true);
    const fc = await listFiles(c);
    const pngs = fc.filter((f) => f.endsWith('.png'));
    let differing = 0;
    for (const f of pngs) if (!(await readFile(join(c, f))).equals(await readFile(join(a, f)))) differing++;
    expect(differing).toBe(pngs.length);
    expect(JSON.parse(await readFile(join(c, 'manifest.json'), 'utf8')).seed).toBe(2);
  });
});

describe('synthesize: layout and manifest', () => {
  it('writes the notebook layout: six train combinations, the full 3 × 3 grid in test', async () => {
    const out = dir();
    const res = await synthesize({ out, trainPerCombo: 3, testPerCombo: 2, width: 64, height: 80 });
    expect(res.cached).toBe(false);
    expect(res.written).toBe(6 * 3 + 9 * 2);
    expect((await readdir(join(out, 'train'))).sort()).toEqual([...NOTEBOOK_TRAIN_COMBOS].sort());
    expect((await readdir(join(out, 'test'))).sort()).toEqual(
      ['black', 'blue', 'red'].flatMap((c) => ['dress', 'jeans', 'shirt'].map((t) => `${c}_${t}`)).sort(),
    );
    for (const combo of NOTEBOOK_TRAIN_COMBOS) {
      expect(await readdir(join(out, 'train', combo))).toEqual(['000000.png', '000001.png', '000002.png']);
    }
    const m = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(m).toMatchObject({ generator: 'branchnet-synth', version: SYNTH_VERSION, seed: 1, counts: { train: 18, test: 18 } });
    expect(m.unseenCombos).toEqual(['black_dress', 'black_shirt', 'red_jeans']);
    expect(m.options).toMatchObject({ colors: ['black', 'blue', 'red'], types: ['jeans', 'dress', 'shirt'], width: 64, height: 80 });
    expect(m.images).toHaveLength(36);
    for (const im of m.images) {
      expect(im.file).toBe(`${im.split}/${im.color}_${im.type}/${String(im.index).padStart(6, '0')}.png`);
      expect(existsSync(join(out, im.file))).toBe(true);
      expect(im.params).toMatchObject({ type: im.type, color: im.color });
      for (const k of ['shade', 'lch', 'garment', 'texture', 'background', 'lighting', 'pose', 'post']) expect(im.params, k).toHaveProperty(k);
      if (im.split === 'train') expect(m.unseenCombos).not.toContain(`${im.color}_${im.type}`);
    }
    const meta = await sharp(join(out, m.images[0].file)).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 64, 80, 3]);
    expect(res.manifest).toEqual(m);
  });

  it('defaults match the notebook: 300 per seen combination, 30 per test combination, 128 × 160', () => {
    expect(SYNTH_DEFAULTS).toMatchObject({ seed: 1, trainCombos: 'notebook', testCombos: 'all', trainPerCombo: 300, testPerCombo: 30, width: 128, height: 160 });
    expect(notebookTrainCombos(['black', 'blue', 'red'], ['jeans', 'dress', 'shirt']).sort()).toEqual([...NOTEBOOK_TRAIN_COMBOS].sort());
  });
});

describe('synthesize: options', () => {
  it('draws shoes and skirts in white and green, and covers extra colours/types in train', async () => {
    const out = dir();
    const res = await synthesize({ out, colors: ['black', 'white', 'green'], types: ['shoes', 'skirt', 'jeans'], trainPerCombo: 1, testPerCombo: 1, width: 64, height: 80 });
    const train = res.manifest.options.trainCombos;
    for (const c of ['black', 'white', 'green']) expect(train.some((k) => k.startsWith(`${c}_`)), c).toBe(true);
    for (const t of ['shoes', 'skirt', 'jeans']) expect(train.some((k) => k.endsWith(`_${t}`)), t).toBe(true);
    expect(train.length).toBeLessThan(9); // some combinations stay unseen
    expect(res.manifest.options.testCombos).toHaveLength(9);
    const types = new Set(res.manifest.images.map((i) => i.params.type));
    expect([...types].sort()).toEqual(['jeans', 'shoes', 'skirt']);
    expect(res.manifest.images.find((i) => i.type === 'shoes')!.params.garment).toHaveProperty('style');
  });

  it('takes custom train and test combinations and image size', async () => {
    const out = dir();
    const res = await synthesize({
      out,
      colors: ['white', 'green'],
      types: ['shoes', 'skirt'],
      trainCombos: ['white_shoes', 'green_skirt'],
      testCombos: ['white_skirt'],
      trainPerCombo: 2,
      testPerCombo: 1,
      width: 96,
      height: 48,
    });
    expect((await readdir(join(out, 'train'))).sort()).toEqual(['green_skirt', 'white_shoes']);
    expect(await readdir(join(out, 'test'))).toEqual(['white_skirt']);
    expect(res.manifest.unseenCombos).toEqual(['white_skirt']);
    const meta = await sharp(join(out, 'test/white_skirt/000000.png')).metadata();
    expect([meta.width, meta.height]).toEqual([96, 48]);
  });

  it('writes a labelled contact sheet on request', async () => {
    const out = dir();
    const res = await synthesize({ out, ...SMALL, sheet: true });
    expect(res.sheetPath).toBe(join(out, 'sheet.png'));
    const meta = await sharp(res.sheetPath!).metadata();
    expect(meta.format).toBe('png');
    expect(meta.height).toBeGreaterThan(9 * 80); // nine rows of 80-pixel tiles plus a header
    const custom = join(root, 'custom-sheet.png');
    const again = await synthesize({ out, ...SMALL, sheet: custom });
    expect(again.cached).toBe(true); // the sheet is not part of the data set's identity
    expect(again.sheetPath).toBe(custom);
    expect((await sharp(custom).metadata()).format).toBe('png');
  });

  it('reuses an identical data set, regenerates with force, and clears stale folders on change', async () => {
    const out = dir();
    await synthesize({ out, ...SMALL });
    const file = join(out, 'train/black_jeans/000000.png');
    const before = (await stat(file)).mtimeMs;
    const again = await synthesize({ out, ...SMALL });
    expect(again.cached).toBe(true);
    expect(again.written).toBe(0);
    expect((await stat(file)).mtimeMs).toBe(before);
    const forced = await synthesize({ out, ...SMALL, force: true });
    expect(forced.cached).toBe(false);
    expect(forced.written).toBe(6 * 2 + 9);
    const changed = await synthesize({ out, ...SMALL, trainCombos: ['blue_dress'] });
    expect(changed.cached).toBe(false);
    expect(await readdir(join(out, 'train'))).toEqual(['blue_dress']);
  });

  it('rejects invalid options naming the option, the value received and the valid values', async () => {
    await expectSynthError({ colors: ['black', 'pink'] as never }, 'E_SYNTH_OPTION', 'colors', '"pink"', 'black, blue, red, white, green');
    await expectSynthError({ types: ['hat'] as never }, 'E_SYNTH_OPTION', 'types', '"hat"', 'jeans, dress, shirt, shoes, skirt');
    await expectSynthError({ trainCombos: ['white_jeans'] }, 'E_SYNTH_OPTION', 'trainCombos', '"white_jeans"', 'black_jeans');
    await expectSynthError({ testCombos: 'some' as never }, 'E_SYNTH_OPTION', 'testCombos', '"some"', "'all'");
    await expectSynthError({ trainPerCombo: 0 }, 'E_SYNTH_OPTION', 'trainPerCombo', 'received 0', 'integer from 1');
    await expectSynthError({ width: 10 }, 'E_SYNTH_OPTION', 'width', 'received 10', 'from 32 to 2048');
    await expectSynthError({ seed: 1.5 }, 'E_SYNTH_OPTION', 'seed', 'received 1.5');
    await expectSynthError({ colour: ['red'] } as never, 'E_SYNTH_OPTION', 'colour', 'valid options', 'colors');
    await expectSynthError({ sheet: 3 as never }, 'E_SYNTH_OPTION', 'sheet', 'received 3', 'true, false or a PNG file path');
  });

  it('refuses to write into a non-empty folder that is not a synthetic data set', async () => {
    const out = dir();
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'notes.txt'), 'mine');
    const err = await synthesize({ out, ...SMALL }).catch((e: unknown) => e);
    expect((err as BranchnetError).code).toBe('E_SYNTH_OUT');
    expect((err as Error).message).toContain(out);
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });
});
