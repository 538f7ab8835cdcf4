/**
 * `branchnet check` and the check `train` runs first, on a hostile folder (test/hostile_fixture.ts):
 * undecodable, empty, truncated, tiny, oversized, BMP and non-image files, an exact duplicate, a
 * copy in two combinations, a folder symlink loop, a dangling link, a FIFO, an empty combination,
 * a stray folder and a file outside any combination.
 *
 * Tests run as root here, where chmod 000 still reads: the fixture then makes no chmod-000 file
 * and the unreadable cases are the dangling link and the FIFO (see hostile_fixture.ts); as
 * another user the chmod-000 file is expected too.
 *
 * The CLI runs as a real process to see its exit code: src/cli/main.ts bundled by esbuild
 * (the same sources `npm run build` compiles, in ~1 s instead of tsc's ~30) into the ignored
 * tmp/ folder of the repository, so that node_modules resolves.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from './fixtures.js';
import { makeHostileFolder, type Hostile } from './hostile_fixture.js';
import { runCli } from './cli_runner.js';

const repo = path.resolve(import.meta.dirname, '..');
let cliDir = '';
let work = '';
let hostile: Hostile;

async function spawnCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(cliDir, 'branchnet.mjs'), ...args], { maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}


/** The problem lines `check` must print for the hostile folder, in order. */
function expectedProblems(skipInvalidFolders: boolean): string[] {
  return [
    ...(skipInvalidFolders ? [] : ['fatal    bad_folder_name      misc: folder name has 1 part but 2 heads [color, type] were asked for; rename it to <color>_<type> or pass --heads, or pass --skip-invalid-folders to leave it out']),
    'warning  empty_combination    black_dress: the folder holds no image files; add images or remove the folder',
    'warning  over_pixel_limit     black_jeans/bomb.png: 20000x20000 is 400,000,000 pixels, over the limit of 268,402,689 decoding accepts (a decompression bomb guard); downscale it',
    'warning  unsupported_format   black_jeans/old.bmp: BMP images cannot be decoded here (sharp/libvips has no loader for them); convert it to PNG or JPEG',
    'warning  not_an_image         black_jeans/readme.txt: not an image file (extension ".txt"; expected .jpg, .jpeg, .png, .gif, .webp, .tif, .tiff, .avif)',
    'warning  too_small            black_jeans/tiny.png: 1x1 is under 8 pixels on a side (a placeholder or icon?); replace it with the photo or remove it',
    'warning  label_conflict       blue_dress/001.png: same content as red_dress/also_blue.png (red_dress): one image labelled blue_dress and red_dress; every copy is left out; keep it only in the folder whose labels are right',
    expect.stringMatching(/^warning  truncated            blue_dress\/cut\.jpg: the JPEG file is cut off \(no JPEG end marker \(FFD9\) in its last \d+ bytes\): an interrupted download or copy; copy it again or remove it$/),
    expect.stringMatching(/^warning  truncated            blue_dress\/cut\.png: the PNG file is cut off \(no PNG IEND chunk in its last \d+ bytes\): an interrupted download or copy; copy it again or remove it$/),
    'warning  not_an_image         blue_dress/notes.jpg: not an image that can be read (Input file contains unsupported image format); expected JPEG, PNG, GIF, WebP, TIFF or AVIF; remove or replace it',
    'warning  unsupported_format   blue_dress/photo.jpg: a BMP image, which cannot be decoded here (sharp/libvips has no BMP loader); convert it to PNG or JPEG',
    'warning  duplicate            blue_jeans/copy.png: same content as blue_jeans/000.png; only that copy is used (a copy could otherwise land in both training and validation); delete the extra copy',
    'warning  dangling_link        blue_jeans/gone.png: broken symbolic link to missing.png (ENOENT); remove it or restore its target',
    ...(hostile.locked ? ['warning  unreadable           blue_jeans/locked.png: cannot be read (EACCES); fix its permissions or remove it'] : []),
    'warning  not_a_file           blue_jeans/pipe.png: not a regular file (a FIFO, socket or device); remove it',
    ...(skipInvalidFolders ? ['warning  bad_folder_name      misc: folder name has 1 part but 2 heads [color, type] were asked for; rename it to <color>_<type> or pass --heads; its files are left out (--skip-invalid-folders)'] : []),
    'warning  symlink_loop         red_dress/again: symbolic link to ., a folder it is already inside; its images are read once, through the real folder; remove the link',
    'warning  label_conflict       red_dress/also_blue.png: same content as blue_dress/001.png (blue_dress): one image labelled blue_dress and red_dress; every copy is left out; keep it only in the folder whose labels are right',
    'warning  empty_file           red_dress/zero.png: the file is empty (0 bytes): an interrupted download or copy; copy the image again or remove it',
    'warning  outside_combination  stray.png: not inside a <color>_<type> folder; move it into one',
    'note     missing_combination  red_jeans: no images of red_jeans: the model can still predict it (an unseen combination, what the split design is for), but it is never trained or validated on it; add a red_jeans/ folder to train on it',
  ];
}

/** Files the data check leaves out of training (every warning with a file or folder subject). */
function leftOut(): string[] {
  return [
    'black_jeans/bomb.png', 'black_jeans/old.bmp', 'black_jeans/readme.txt', 'black_jeans/tiny.png',
    'blue_dress/001.png', 'blue_dress/cut.jpg', 'blue_dress/cut.png', 'blue_dress/notes.jpg', 'blue_dress/photo.jpg',
    'blue_jeans/copy.png', 'blue_jeans/gone.png', ...(hostile.locked ? ['blue_jeans/locked.png'] : []), 'blue_jeans/pipe.png',
    'misc', 'red_dress/again', 'red_dress/also_blue.png', 'red_dress/zero.png', 'stray.png',
  ].map((p) => path.join(hostile.root, p));
}

beforeAll(async () => {
  work = await tmpDir('branchnet-check-');
  hostile = await makeHostileFolder(path.join(work, 'hostile'));
  await fs.mkdir(path.join(repo, 'tmp'), { recursive: true });
  cliDir = await fs.mkdtemp(path.join(repo, 'tmp', 'check-cli-'));
  await build({ entryPoints: [path.join(repo, 'src/cli/main.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: path.join(cliDir, 'main.mjs'), logLevel: 'error' });
  await fs.writeFile(path.join(cliDir, 'branchnet.mjs'), await fs.readFile(path.join(repo, 'bin/branchnet.js'), 'utf8').then((s) => s.replace('../dist/cli/main.js', './main.mjs')));
});

afterAll(async () => {
  if (hostile?.locked) await fs.chmod(hostile.locked, 0o644);
  await fs.rm(work, { recursive: true, force: true });
  if (cliDir) await fs.rm(cliDir, { recursive: true, force: true });
});

describe('branchnet check on a hostile folder', () => {
  it('prints counts per combination and label, formats and sizes, one line per problem, and exits 1 for the stray folder', async () => {
    const r = await spawnCli(['check', hostile.root]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    const problems = expectedProblems(false);
    expect(lines).toEqual([
      `${hostile.root}: ${hostile.locked ? 29 : 28} paths looked at, 11 usable images in 4 combinations (heads color, type)`,
      '',
      'combination  images',
      'black_dress       0',
      'black_jeans       3',
      'blue_dress        2',
      'blue_jeans        3',
      'red_dress         3',
      '',
      'color  black 3, blue 5, red 3',
      'type   dress 5, jeans 6',
      '',
      'formats  png 11',
      'sizes    48x60 (11); smallest 48x60, largest 48x60',
      '',
      `1 fatal problem, ${problems.length - 2} warnings, 1 note`,
      ...problems,
      '',
      'train refuses this data set until the fatal problems are fixed (exit code 1)',
      '',
    ]);
  });

  it('--json prints the same report as plain data; --skip-invalid-folders makes the stray folder a warning and exits 0', async () => {
    const r = await spawnCli(['check', hostile.root, '--json', '--skip-invalid-folders']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual(['source', 'heads', 'files', 'images', 'combinations', 'labels', 'formats', 'sizes', 'problems', 'counts', 'ok']);
    expect(report).toMatchObject({
      source: hostile.root, heads: ['color', 'type'], images: 11, ok: true,
      combinations: { black_dress: 0, black_jeans: 3, blue_dress: 2, blue_jeans: 3, red_dress: 3 },
      labels: { color: { black: 3, blue: 5, red: 3 }, type: { dress: 5, jeans: 6 } },
      formats: { png: 11 },
      sizes: { common: [{ size: '48x60', images: 11 }], smallest: '48x60', largest: '48x60' },
      counts: { fatal: 0, warning: expectedProblems(true).length - 1, info: 1 },
    });
    const misc = report.problems.find((p: { code: string }) => p.code === 'bad_folder_name');
    expect(misc).toEqual({
      code: 'bad_folder_name', severity: 'warning', subject: path.join(hostile.root, 'misc'),
      message: 'folder name has 1 part but 2 heads [color, type] were asked for; rename it to <color>_<type> or pass --heads; its files are left out (--skip-invalid-folders)',
    });
    // Every problem carries a stable code, a severity and an absolute subject for files.
    expect(report.problems.map((p: { code: string }) => p.code)).toEqual([
      'empty_combination', 'over_pixel_limit', 'unsupported_format', 'not_an_image', 'too_small', 'label_conflict', 'truncated', 'truncated',
      'not_an_image', 'unsupported_format', 'duplicate', 'dangling_link', ...(hostile.locked ? ['unreadable'] : []), 'not_a_file', 'bad_folder_name', 'symlink_loop', 'label_conflict',
      'empty_file', 'outside_combination', 'missing_combination',
    ]);
  });
});

describe('train runs the same check first', () => {
  it('refuses the stray folder with E_DATA_CHECK, naming it and the fix, before building a model', async () => {
    const r = await runCli(['train', hostile.root, '-o', path.join(work, 'refused'), '--backbone', 'scratch', '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `branchnet: ${hostile.root}: 1 fatal problem in the data; fix it and train again (\`branchnet check ${hostile.root}\` lists everything):\n` +
        '  fatal    bad_folder_name      misc: folder name has 1 part but 2 heads [color, type] were asked for; rename it to <color>_<type> or pass --heads, or pass --skip-invalid-folders to leave it out [E_DATA_CHECK]\n',
    );
    await expect(fs.stat(path.join(work, 'refused'))).rejects.toThrow(/ENOENT/);
  });

  it('with --skip-invalid-folders it trains on the 11 usable images, names each skipped file, and records the check in branchnet.json and the report', async () => {
    const out = path.join(work, 'model');
    const r = await runCli(['train', hostile.root, '-o', out, '--backbone', 'scratch', '--size', '32x32', '--epochs', '1,0', '--steps', '1', '--val-steps', '1', '--batch-size', '4', '--skip-invalid-folders', '-q']);
    expect(r.code).toBe(0);
    const logged = r.stderr.split('\n').filter((l) => l.startsWith('data check: ')).map((l) => l.slice('data check: '.length));
    expect(logged).toEqual([...expectedProblems(true), `${leftOut().length} path(s) left out, 11 images used`]);
    expect(r.stderr).toContain('data: 11 images in 4 combinations');
    expect(r.stdout).toContain(`skipped ${leftOut().length} file(s): ${leftOut().join(', ')}\n`);
    const meta = JSON.parse(await fs.readFile(path.join(out, 'branchnet.json'), 'utf8'));
    expect(meta.info.data.images).toBe(11);
    expect(meta.info.data.skipped.map((s: { path: string }) => s.path)).toEqual(leftOut());
    expect(meta.info.check).toMatchObject({ images: 11, ok: true, counts: { fatal: 0, info: 1 } });
    expect(meta.heads).toEqual([{ name: 'color', vocab: ['black', 'blue', 'red'] }, { name: 'type', vocab: ['dress', 'jeans'] }]);
    const html = await fs.readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('<h2>Data check</h2>');
    for (const code of ['bad_folder_name', 'symlink_loop', 'truncated', 'label_conflict', 'empty_combination']) expect(html).toContain(`<code>${code}</code>`);
  });

  it('refuses VGG16 without weights, listing the three ways forward, unless --untrained-base is given', async () => {
    const r = await runCli(['train', hostile.root, '--skip-invalid-folders', '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'branchnet: backbone vgg16: no weights file was given and none is cached, so its frozen base would be random and the heads it feeds would learn nothing (chance accuracy). Either:\n' +
        '  1. branchnet weights get vgg16      (download once into the cache; train then finds it)\n' +
        '  2. --weights <file.h5|model.json>     (a file you already have)\n' +
        '  3. --backbone scratch                 (a small conv base trained from scratch)\n' +
        'To train on a random base anyway, pass --untrained-base (config model.backbone.allowUntrained: true) [E_WEIGHTS]\n',
    );
  });
});
