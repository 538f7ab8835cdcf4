import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BranchnetError } from '../core/errors.js';
import { labelIndices, loadManifest, parseCsv } from './manifest.js';

// The manifest never opens images, so empty files with image extensions are enough here.
let dir = '';
async function tree(files: string[]): Promise<string> {
  dir = await mkdtemp(path.join(tmpdir(), 'bn-manifest-'));
  for (const f of files) {
    const full = path.join(dir, f);
    if (f.endsWith('/')) {
      await mkdir(full, { recursive: true });
      continue;
    }
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, '');
  }
  return dir;
}
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

async function errorOf(p: Promise<unknown>): Promise<BranchnetError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof BranchnetError) return e;
    throw e;
  }
  throw new Error('expected a BranchnetError');
}

describe('loadManifest from color_type folders', () => {
  it("reads the notebook's layout: heads color and type, sorted vocabularies, items sorted by path", async () => {
    const root = await tree([
      'red_shirt/b.jpg', 'red_shirt/a.JPG', 'black_jeans/x.png', 'blue_dress/1.jpeg', 'blue_jeans/2.webp',
    ]);
    const m = await loadManifest(root);
    expect(m.root).toBe(root);
    expect(m.heads).toEqual([
      { name: 'color', vocab: ['black', 'blue', 'red'] },
      { name: 'type', vocab: ['dress', 'jeans', 'shirt'] },
    ]);
    expect(m.items.map((i) => path.relative(root, i.path))).toEqual([
      'black_jeans/x.png', 'blue_dress/1.jpeg', 'blue_jeans/2.webp', 'red_shirt/a.JPG', 'red_shirt/b.jpg',
    ]);
    expect(m.items[0]).toEqual({ path: path.join(root, 'black_jeans/x.png'), labels: ['black', 'jeans'], combo: 'black_jeans' });
    expect(m.skipped).toEqual([]);
  });

  it('when a folder name has no underscore, loading fails and names the folder', async () => {
    const root = await tree(['black_jeans/a.jpg', 'teal/b.jpg']);
    const e = await errorOf(loadManifest(root));
    expect(e.code).toBe('E_DATA_FOLDER_NAME');
    expect(e.message).toBe(
      `${root}/teal: folder name has 1 part but 2 heads [color, type] were asked for; rename it to <color>_<type> or pass --heads`,
    );
  });

  it('when a folder name has too many parts for the heads, loading fails and says how many', async () => {
    const root = await tree(['navy_blue_jeans/a.jpg']);
    const e = await errorOf(loadManifest(root));
    expect(e.message).toBe(
      `${root}/navy_blue_jeans: folder name has 3 parts but 2 heads [color, type] were asked for; rename it to <color>_<type> or pass --heads`,
    );
  });

  it('a folder name with an empty part fails', async () => {
    const root = await tree(['_jeans/a.jpg']);
    const e = await errorOf(loadManifest(root));
    expect(e.message).toBe(`${root}/_jeans: folder name has an empty color part; rename it to <color>_<type>`);
  });

  it('three heads read three-part folder names', async () => {
    const root = await tree(['red_shirt_long/a.jpg', 'blue_shirt_short/b.jpg']);
    const m = await loadManifest(root, { heads: ['color', 'type', 'sleeve'] });
    expect(m.heads.map((h) => [h.name, h.vocab])).toEqual([
      ['color', ['blue', 'red']], ['type', ['shirt']], ['sleeve', ['long', 'short']],
    ]);
    expect(m.items.map((i) => i.combo)).toEqual(['blue_shirt_short', 'red_shirt_long']);
  });

  it('non-image files are skipped with a reason, hidden files are ignored, files in nested folders count', async () => {
    const root = await tree([
      'black_jeans/a.jpg', 'black_jeans/notes.txt', 'black_jeans/.DS_Store', '.hidden_dir/c.jpg',
      'black_jeans/more/b.png', 'stray.jpg',
    ]);
    const m = await loadManifest(root);
    expect(m.items.map((i) => path.relative(root, i.path))).toEqual(['black_jeans/a.jpg', 'black_jeans/more/b.png']);
    expect(m.skipped).toEqual([
      {
        path: `${root}/black_jeans/notes.txt`,
        code: 'not_an_image',
        reason: 'not an image file (extension ".txt"; expected .jpg, .jpeg, .png, .gif, .webp, .tif, .tiff, .avif)',
      },
      { path: `${root}/stray.jpg`, code: 'outside_combination', reason: 'not inside a <color>_<type> folder; move it into one' },
    ]);
  });

  it('a folder symlink loop is listed once and never entered, so each image counts once', async () => {
    const root = await tree(['red_dress/a.png', 'red_dress/sub/b.png', 'blue_jeans/c.png']);
    await symlink('.', path.join(root, 'red_dress/again'));
    await symlink('..', path.join(root, 'red_dress/sub/up'));
    await symlink('..', path.join(root, 'blue_jeans/root'));
    const m = await loadManifest(root);
    expect(m.items.map((i) => path.relative(root, i.path))).toEqual(['blue_jeans/c.png', 'red_dress/a.png', 'red_dress/sub/b.png']);
    expect(m.skipped.map((x) => [path.relative(root, x.path), x.code])).toEqual([
      ['blue_jeans/root', 'symlink_loop'], ['red_dress/again', 'symlink_loop'], ['red_dress/sub/up', 'symlink_loop'],
    ]);
    expect(m.skipped[1]!.reason).toBe('symbolic link to ., a folder it is already inside; its images are read once, through the real folder; remove the link');
  });

  it('broken links, FIFOs and .bmp files are listed with their own codes, never items', async () => {
    const root = await tree(['red_dress/a.png', 'red_dress/old.bmp']);
    await symlink('gone.png', path.join(root, 'red_dress/link.png'));
    execFileSync('mkfifo', [path.join(root, 'red_dress/pipe.png')]);
    const m = await loadManifest(root);
    expect(m.items.map((i) => path.basename(i.path))).toEqual(['a.png']);
    expect(m.skipped).toEqual([
      { path: `${root}/red_dress/link.png`, code: 'dangling_link', reason: 'broken symbolic link to gone.png (ENOENT); remove it or restore its target' },
      { path: `${root}/red_dress/old.bmp`, code: 'unsupported_format', reason: 'BMP images cannot be decoded here (sharp/libvips has no loader for them); convert it to PNG or JPEG' },
      { path: `${root}/red_dress/pipe.png`, code: 'not_a_file', reason: 'not a regular file (a FIFO, socket or device); remove it' },
    ]);
    expect(m.folders).toEqual([{ path: `${root}/red_dress`, combo: 'red_dress', images: 1 }]);
  });

  it("invalidFolders 'skip' lists a stray folder instead of failing, and its files are left out", async () => {
    const root = await tree(['black_jeans/a.jpg', 'misc/b.jpg', 'empty_dress/']);
    const m = await loadManifest(root, { invalidFolders: 'skip' });
    expect(m.items.map((i) => i.combo)).toEqual(['black_jeans']);
    expect(m.skipped).toEqual([{
      path: `${root}/misc`, code: 'bad_folder_name',
      reason: 'folder name has 1 part but 2 heads [color, type] were asked for; rename it to <color>_<type> or pass --heads',
    }]);
    expect(m.folders?.map((f) => [f.combo, f.images])).toEqual([['black_jeans', 1], ['empty_dress', 0]]);
  });

  it('a vocabulary given per head keeps its order (class indices) and rejects labels outside it', async () => {
    const root = await tree(['black_jeans/a.jpg', 'red_dress/b.jpg']);
    const m = await loadManifest(root, { vocab: { type: ['jeans', 'dress', 'shirt'] } });
    expect(m.heads).toEqual([
      { name: 'color', vocab: ['black', 'red'] },
      { name: 'type', vocab: ['jeans', 'dress', 'shirt'] },
    ]);
    expect(labelIndices(m, m.items[1]!)).toEqual([1, 1]);

    const bad = await tree(['black_jeans/a.jpg', 'teal_dress/b.jpg']);
    const e = await errorOf(loadManifest(bad, { vocab: { color: ['black', 'blue', 'red'] } }));
    expect(e.code).toBe('E_DATA_LABEL');
    expect(e.message).toBe(
      `${bad}/teal_dress: color "teal" is not in the vocabulary [black, blue, red]; add it with --vocab or rename the folder`,
    );
  });

  it('a vocabulary for a head that does not exist is refused', async () => {
    const root = await tree(['black_jeans/a.jpg']);
    const e = await errorOf(loadManifest(root, { vocab: { colour: ['black'] } }));
    expect(e.message).toBe('--vocab names head "colour" but the heads are [color, type]; use one of those names');
  });

  it('a folder without images fails and names the folder', async () => {
    const root = await tree(['black_jeans/', 'readme.md']);
    const e = await errorOf(loadManifest(root));
    expect(e.code).toBe('E_DATA_EMPTY');
    expect(e.message).toBe(
      `${root}: no images found; expected <color>_<type>/ subfolders holding .jpg, .jpeg, .png, .gif, .webp, .tif, .tiff, .avif files (1 other file was skipped; first: ${root}/readme.md: not inside a <color>_<type> folder; move it into one)`,
    );
  });

  it('a source that does not exist fails naming it', async () => {
    const e = await errorOf(loadManifest('/no/such/train'));
    expect(e.code).toBe('E_DATA_SOURCE');
    expect(e.message).toBe(
      '/no/such/train: no such file or folder; pass a folder of <color>_<type>/ subfolders or a CSV file with a path,<head>,… header',
    );
  });

  it('the same folder gives the same manifest twice', async () => {
    const root = await tree(['b_y/2.jpg', 'a_x/1.jpg', 'a_x/0.jpg', 'b_x/3.jpg']);
    expect(await loadManifest(root)).toEqual(await loadManifest(root));
  });
});

describe('loadManifest from a CSV', () => {
  it('takes head names from the header, resolves paths against the CSV folder and allows quoted fields', async () => {
    const root = await tree(['imgs/a.jpg', 'imgs/b, c.png', 'imgs/d.jpg']);
    const csv = path.join(root, 'labels.csv');
    await writeFile(
      csv,
      '\ufeffpath,color,type\r\nimgs/d.jpg,red,shirt\r\n"imgs/b, c.png","blue",dress\r\n\r\nimgs/a.jpg , black , jeans\r\nimgs/missing.jpg,red,dress\r\nnotes.txt,red,dress\r\n',
    );
    const m = await loadManifest(csv);
    expect(m.root).toBe(root);
    expect(m.heads).toEqual([
      { name: 'color', vocab: ['black', 'blue', 'red'] },
      { name: 'type', vocab: ['dress', 'jeans', 'shirt'] },
    ]);
    expect(m.items).toEqual([
      { path: `${root}/imgs/a.jpg`, labels: ['black', 'jeans'], combo: 'black_jeans' },
      { path: `${root}/imgs/b, c.png`, labels: ['blue', 'dress'], combo: 'blue_dress' },
      { path: `${root}/imgs/d.jpg`, labels: ['red', 'shirt'], combo: 'red_shirt' },
    ]);
    expect(m.skipped).toEqual([
      { path: `${root}/imgs/missing.jpg`, code: 'missing_file', reason: `file not found (${csv} line 6)` },
      {
        path: `${root}/notes.txt`,
        code: 'not_an_image',
        reason: `not an image file (extension ".txt"; expected .jpg, .jpeg, .png, .gif, .webp, .tif, .tiff, .avif) (${csv} line 7)`,
      },
    ]);
  });

  it('--heads picks label columns by name', async () => {
    const root = await tree(['a.jpg']);
    const csv = path.join(root, 'l.csv');
    await writeFile(csv, 'file,type,color,sleeve\na.jpg,shirt,red,long\n');
    const m = await loadManifest(csv, { heads: ['color', 'type'] });
    expect(m.items[0]!.labels).toEqual(['red', 'shirt']);
    const e = await errorOf(loadManifest(csv, { heads: ['colour'] }));
    expect(e.message).toBe(
      `${csv}: head "colour" is not a column of the header [file, type, color, sleeve]; pass --heads with column names from the header`,
    );
  });

  it('a row with the wrong number of fields fails naming the line', async () => {
    const root = await tree(['a.jpg']);
    const csv = path.join(root, 'l.csv');
    await writeFile(csv, 'path,color,type\na.jpg,red\n');
    const e = await errorOf(loadManifest(csv));
    expect(e.code).toBe('E_DATA_CSV');
    expect(e.message).toBe(
      `${csv} line 2: expected 3 fields (path, color, type) but found 2; quote fields that contain commas`,
    );
  });

  it('a label outside a given vocabulary fails naming the line', async () => {
    const root = await tree(['a.jpg']);
    const csv = path.join(root, 'l.csv');
    await writeFile(csv, 'path,color,type\na.jpg,teal,dress\n');
    const e = await errorOf(loadManifest(csv, { vocab: { color: ['black', 'blue', 'red'] } }));
    expect(e.message).toBe(
      `${csv} line 2: color "teal" is not in the vocabulary [black, blue, red]; add it with --vocab or fix the CSV`,
    );
  });

  it('the same image labelled twice differently fails', async () => {
    const root = await tree(['a.jpg']);
    const csv = path.join(root, 'l.csv');
    await writeFile(csv, 'path,color,type\na.jpg,red,dress\n./a.jpg,blue,dress\n');
    const e = await errorOf(loadManifest(csv));
    expect(e.message).toBe(
      `${csv} line 3: ./a.jpg is labelled blue_dress but line 2 labels it red_dress; keep one row per image`,
    );
  });

  it('an unclosed quote fails naming the line where it opened', () => {
    expect(() => parseCsv('path,color\n"a.jpg,red\n', 'l.csv')).toThrow('l.csv line 2: a quoted field is never closed; add the closing "');
  });

  it('parses quotes, escaped quotes and newlines inside quotes', () => {
    expect(parseCsv('a,"b ""x"", y","multi\nline"\n\nc,d,e')).toEqual([
      { line: 1, fields: ['a', 'b "x", y', 'multi\nline'] },
      { line: 4, fields: ['c', 'd', 'e'] },
    ]);
  });
});
