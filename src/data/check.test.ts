import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { checkData, inspectFile } from './check.js';
import { formatCheckReport } from './check_format.js';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

/** A solid image of the given size, distinct per `shade` (so no two are exact copies). */
async function image(format: 'png' | 'jpeg' | 'gif' | 'webp', shade: number, width = 16, height = 16): Promise<Buffer> {
  const img = sharp({ create: { width, height, channels: 3, background: { r: shade, g: 255 - shade, b: 90 } } });
  return img[format]().toBuffer();
}

async function tree(files: Record<string, Buffer | string>): Promise<string> {
  dir = await mkdtemp(path.join(tmpdir(), 'bn-check-'));
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  }
  return dir;
}

describe('checkData', () => {
  it('a head with a single label is fatal: there is nothing to learn', async () => {
    const root = await tree({ 'black_jeans/a.png': await image('png', 1), 'blue_jeans/b.png': await image('png', 2) });
    const { report, manifest } = await checkData(root);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([{
      code: 'single_label_head', severity: 'fatal', subject: 'type',
      message: 'every usable image has type "jeans": a head needs at least two labels to learn anything; add images of another type, or train without this head (--heads)',
    }]);
    expect(manifest?.items.length).toBe(2);
  });

  it('a folder with no usable image at all is fatal (no_images), and every file is named', async () => {
    const root = await tree({ 'black_jeans/a.png': '', 'red_dress/b.jpg': 'not a jpeg' });
    const { report, manifest } = await checkData(root);
    expect(manifest).toBeNull();
    expect(report.problems.map((p) => [p.severity, p.code, path.relative(root, p.subject)])).toEqual([
      ['fatal', 'no_images', ''],
      ['warning', 'empty_combination', 'black_jeans'],
      ['warning', 'empty_file', 'black_jeans/a.png'],
      ['warning', 'empty_combination', 'red_dress'],
      ['warning', 'not_an_image', 'red_dress/b.jpg'],
    ]);
    expect(report.problems[1]!.message).toBe('none of its 1 image file can be used (see above); replace them or remove the folder');
  });

  it('reads a CSV source too: rows listed twice, missing files, and the same bytes under two labels', async () => {
    const a = await image('png', 10);
    const root = await tree({
      'imgs/a.png': a, 'imgs/b.png': await image('png', 20), 'imgs/c.png': a, 'imgs/d.png': await image('png', 30),
      'labels.csv': 'path,color,type\nimgs/a.png,red,dress\nimgs/b.png,blue,jeans\nimgs/c.png,blue,dress\nimgs/a.png,red,dress\nimgs/gone.png,red,jeans\nimgs/d.png,red,dress\n',
    });
    const { report, manifest } = await checkData(path.join(root, 'labels.csv'));
    expect(report.problems.map((p) => [p.code, path.isAbsolute(p.subject) ? path.relative(root, p.subject) : p.subject])).toEqual([
      ['label_conflict', 'imgs/a.png'], ['listed_twice', 'imgs/a.png'], ['label_conflict', 'imgs/c.png'], ['missing_file', 'imgs/gone.png'],
      ['missing_combination', 'blue_dress'], ['missing_combination', 'red_jeans'],
    ]);
    expect(report.problems[0]!.message).toBe('same content as imgs/c.png (blue_dress): one image labelled red_dress and blue_dress; every copy is left out; keep it only in the folder whose labels are right');
    expect(report.combinations).toEqual({ blue_jeans: 1, red_dress: 1 });
    expect(manifest?.items.map((i) => path.basename(i.path))).toEqual(['b.png', 'd.png']);
    expect(manifest?.heads).toEqual([{ name: 'color', vocab: ['blue', 'red'] }, { name: 'type', vocab: ['dress', 'jeans'] }]);
    expect(manifest?.skipped.map((s) => [path.basename(s.path), s.code])).toEqual([['a.png', 'listed_twice'], ['a.png', 'label_conflict'], ['c.png', 'label_conflict'], ['gone.png', 'missing_file']]);
  });

  it('formats the report with one line per problem, paths relative to the data folder', async () => {
    const root = await tree({ 'black_jeans/a.png': await image('png', 1), 'red_jeans/c.png': await image('png', 3), 'red_dress/b.png': await image('png', 2, 4, 20) });
    const { report } = await checkData(root);
    expect(formatCheckReport(report).split('\n').slice(-7)).toEqual([
      '1 fatal problem, 2 warnings, 0 notes',
      'fatal    single_label_head    type: every usable image has type "jeans": a head needs at least two labels to learn anything; add images of another type, or train without this head (--heads)',
      'warning  empty_combination    red_dress: none of its 1 image file can be used (see above); replace them or remove the folder',
      'warning  too_small            red_dress/b.png: 4x20 is under 8 pixels on a side (a placeholder or icon?); replace it with the photo or remove it',
      '',
      'train refuses this data set until the fatal problems are fixed (exit code 1)',
      '',
    ]);
  });
});

describe('inspectFile (header read, no decode)', () => {
  it('finds GIF, WebP, JPEG and PNG files cut short by their missing end, and passes whole ones', async () => {
    const root = await tree({});
    for (const format of ['png', 'jpeg', 'gif', 'webp'] as const) {
      const whole = await image(format, 40, 64, 64);
      const ok = path.join(root, `ok.${format}`);
      await writeFile(ok, whole);
      expect(await inspectFile(ok)).toMatchObject({ ok: true, format, width: 64, height: 64 });
      const cut = path.join(root, `cut.${format}`);
      await writeFile(cut, whole.subarray(0, whole.length - 6));
      const facts = await inspectFile(cut);
      expect(facts, format).toMatchObject({ ok: false, code: 'truncated' });
    }
  });

  it('zero bytes of padding after the end marker are not truncation', async () => {
    const root = await tree({});
    const f = path.join(root, 'padded.jpg');
    await writeFile(f, Buffer.concat([await image('jpeg', 5), Buffer.alloc(100)]));
    expect(await inspectFile(f)).toMatchObject({ ok: true, format: 'jpeg' });
  });
});
