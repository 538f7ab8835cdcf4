import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { weightsCommand } from '../cli/commands/weights.js';
import type { WeightsEntry } from './registry.js';

let tmp: string;
beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'branchnet-list-')); });
afterEach(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

const bytes = crypto.randomBytes(1000);
/** Two entries; `size` is tiny's published size (its md5 is that of `bytes`). */
const registry = (size: number): WeightsEntry[] => [
  {
    name: 'tiny', aliases: ['tiny-notop'], description: '', format: 'keras-h5', backbone: 'vgg16', url: 'http://127.0.0.1:9/tiny.h5', path: 'tiny.h5',
    size, checksum: { algo: 'md5', hex: crypto.createHash('md5').update(bytes).digest('hex') },
  },
  { name: 'mobile', description: '', format: 'tfjs-layers', backbone: 'mobilenet', url: 'http://127.0.0.1:9/m/model.json', path: 'mobile/model.json' },
];

async function list(json: boolean, size = bytes.length): Promise<string> {
  let out = '';
  const code = await weightsCommand({ command: 'weights', action: 'list', cacheDir: tmp, json }, { registry: registry(size), stdout: { write: (s: string) => { out += s; } } });
  expect(code).toBe(0);
  return out;
}

/** The table's cells, row by row (columns are separated by two or more spaces). */
const cells = (table: string) => table.trimEnd().split('\n').map((l) => l.split(/ {2,}/));

describe('branchnet weights list', () => {
  it('a table of name, format, size, backbone, and the cached file', async () => {
    expect(await list(false, 58_889_256)).toBe([
      'NAME               FORMAT       SIZE     BACKBONE   CACHED',
      'tiny (tiny-notop)  keras-h5     58.9 MB  vgg16      no',
      'mobile             tfjs-layers  ?        mobilenet  no',
      `cache: ${tmp}`,
      '',
    ].join('\n'));

    fs.mkdirSync(path.join(tmp, 'weights'));
    const file = path.join(tmp, 'weights', 'tiny.h5');
    fs.writeFileSync(file, bytes);
    expect(await list(false, 58_889_256)).toContain('tiny (tiny-notop)  keras-h5     58.9 MB  vgg16      no (damaged; weights get downloads it again)\n');
    fs.writeFileSync(path.join(tmp, 'weights', 'mobile.part'), 'x'); // unrelated stray file: mobile stays "no"
    const table = await list(false);
    expect(cells(table)[1]).toEqual(['tiny (tiny-notop)', 'keras-h5', '0.0 MB', 'vgg16', file]);
    expect(cells(table)[2]).toEqual(['mobile', 'tfjs-layers', '?', 'mobilenet', 'no']);

    fs.mkdirSync(path.join(tmp, 'weights', 'mobile'));
    fs.writeFileSync(path.join(tmp, 'weights', 'mobile', 'model.json.part'), '{"weightsMa');
    expect(cells(await list(false))[2]).toEqual(['mobile', 'tfjs-layers', '?', 'mobilenet', 'no (interrupted download; weights get resumes it)']);
  });

  it('--json lists the same with the state and paths', async () => {
    const j = JSON.parse(await list(true)) as { cacheDir: string; weights: Array<Record<string, unknown>> };
    expect(j.cacheDir).toBe(tmp);
    expect(j.weights.map((w) => [w.name, w.format, w.size, w.backbone, w.state, w.cached])).toEqual([
      ['tiny', 'keras-h5', 1000, 'vgg16', 'missing', null],
      ['mobile', 'tfjs-layers', null, 'mobilenet', 'missing', null],
    ]);
    expect(j.weights[0].path).toBe(path.join(tmp, 'weights', 'tiny.h5'));
  });
});
