import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BranchnetError } from '../core/errors.js';
import {
  assertPlainFileName, cachedWeightsPath, cacheDir, cacheStatus, entryLayout, formatManifest, readManifest, tfjsShardNames, weightsDir,
} from './cache.js';
import { findWeights, WEIGHTS, type WeightsEntry } from './registry.js';

let tmp: string;
beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'branchnet-cache-')); });
afterEach(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

describe('cacheDir', () => {
  it('--cache-dir, then BRANCHNET_CACHE, then XDG_CACHE_HOME/branchnet, then ~/.cache/branchnet', () => {
    const env = { BRANCHNET_CACHE: '/b', XDG_CACHE_HOME: '/x' };
    expect(cacheDir({ cacheDir: '/flag', env })).toBe(path.resolve('/flag'));
    expect(cacheDir({ env })).toBe(path.resolve('/b'));
    expect(cacheDir({ env: { XDG_CACHE_HOME: '/x' } })).toBe(path.join('/x', 'branchnet'));
    expect(cacheDir({ env: {} })).toBe(path.join(os.homedir(), '.cache', 'branchnet'));
    expect(cacheDir({ env: { XDG_CACHE_HOME: 'relative/dir' } })).toBe(path.join(os.homedir(), '.cache', 'branchnet'));
    expect(cacheDir({ cacheDir: 'rel' })).toBe(path.resolve('rel'));
    expect(weightsDir({ cacheDir: '/c' })).toBe(path.join(path.resolve('/c'), 'weights'));
  });
});

describe('entry layout', () => {
  it('a keras-h5 file sits in weights/, a tfjs-layers model in its own folder', () => {
    const root = path.join(tmp, 'weights');
    expect(entryLayout(findWeights('vgg16'), { cacheDir: tmp })).toEqual({
      file: path.join(root, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5'), dir: root,
      manifest: path.join(root, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5.sha256'),
    });
    expect(entryLayout(findWeights('mobilenet_v1_0.25_224'), { cacheDir: tmp })).toEqual({
      file: path.join(root, 'mobilenet_v1_0.25_224', 'model.json'), dir: path.join(root, 'mobilenet_v1_0.25_224'),
      manifest: path.join(root, 'mobilenet_v1_0.25_224', 'weights.sha256'),
    });
  });

  it('an entry path with folders where none belong is refused', () => {
    const bad: WeightsEntry = { ...findWeights('vgg16'), path: '../x.h5' };
    expect(() => entryLayout(bad, { cacheDir: tmp })).toThrow(/must be a plain file name/);
    const tf: WeightsEntry = { ...findWeights('mobilenet_v1_1.0_224'), path: 'model.json' };
    expect(() => entryLayout(tf, { cacheDir: tmp })).toThrow(/must be <folder>\/model.json/);
  });
});

describe('shard names', () => {
  it('plain names pass; folders, "..", absolute paths, URLs and escapes do not', () => {
    for (const ok of ['group1-shard1of2.bin', 'group1-shard1of1', 'weights.bin', 'a b.bin']) expect(() => assertPlainFileName(ok, 's')).not.toThrow();
    for (const bad of ['', '.', '..', '../x', 'a/b', 'a\\b', '/etc/passwd', 'C:x', 'http://h/x', '%2e%2e%2fx', 'x.part', 'weights.sha256', 'a\0b', 7, null]) {
      expect(() => assertPlainFileName(bad, 'model.json')).toThrow(BranchnetError);
    }
  });

  it('tfjsShardNames reads every group of the weightsManifest, once each', () => {
    const json = JSON.stringify({ weightsManifest: [{ paths: ['a.bin', 'b.bin'] }, { paths: ['c.bin', 'a.bin'] }] });
    expect(tfjsShardNames(json, 'm')).toEqual(['a.bin', 'b.bin', 'c.bin']);
    expect(() => tfjsShardNames('not json', 'm.json')).toThrow(/m\.json: is not JSON/);
    expect(() => tfjsShardNames('{}', 'm.json')).toThrow(/no weightsManifest array/);
    expect(() => tfjsShardNames(JSON.stringify({ weightsManifest: [{ paths: ['../../x'] }] }), 'm.json')).toThrow(/"\.\.\/\.\.\/x" is not a plain file name/);
  });
});

describe('manifest', () => {
  it('round-trips in sha256sum format', () => {
    const h = 'a'.repeat(64);
    const f = path.join(tmp, 'weights.sha256');
    fs.writeFileSync(f, formatManifest([{ name: 'model.json', sha256: h }, { name: 'g.bin', sha256: 'b'.repeat(64) }]));
    expect(fs.readFileSync(f, 'utf8')).toBe(`${h}  model.json\n${'b'.repeat(64)}  g.bin\n`);
    expect([...readManifest(f)!]).toEqual([['model.json', h], ['g.bin', 'b'.repeat(64)]]);
    fs.writeFileSync(f, 'garbage\n');
    expect(readManifest(f)).toBeNull();
    expect(readManifest(path.join(tmp, 'none'))).toBeNull();
  });
});

describe('cachedWeightsPath', () => {
  const bytes = crypto.randomBytes(5000);
  const entry: WeightsEntry = {
    name: 'tiny', description: '', format: 'keras-h5', backbone: 'vgg16', url: 'http://127.0.0.1:9/tiny.h5', path: 'tiny.h5',
    size: bytes.length, checksum: { algo: 'md5', hex: crypto.createHash('md5').update(bytes).digest('hex') },
  };
  const opts = () => ({ registry: [entry], cacheDir: tmp });
  const file = () => path.join(tmp, 'weights', 'tiny.h5');

  it('is null until the file is there and matches its checksum', () => {
    expect(cacheStatus('tiny', opts()).state).toBe('missing');
    expect(cachedWeightsPath('tiny', opts())).toBeNull();
    fs.mkdirSync(path.join(tmp, 'weights'));
    fs.writeFileSync(file() + '.part', bytes.subarray(0, 100));
    expect(cacheStatus('tiny', opts())).toMatchObject({ state: 'partial', partialBytes: 100 });
    expect(cachedWeightsPath('tiny', opts())).toBeNull();
    fs.renameSync(file() + '.part', file());
    expect(cacheStatus('tiny', opts())).toMatchObject({ state: 'corrupt', detail: expect.stringContaining('100 bytes, expected 5,000') });
    fs.writeFileSync(file(), Buffer.alloc(5000));
    expect(cacheStatus('tiny', opts())).toMatchObject({ state: 'corrupt', detail: expect.stringContaining(`expected ${entry.checksum!.hex}`) });
    fs.writeFileSync(file(), bytes); // put there by hand: used, since it matches the published md5
    expect(cachedWeightsPath('tiny', opts())).toBe(file());
  });

  it('throws E_WEIGHTS for an unknown name and never looks at the home cache when given a folder', () => {
    expect(() => cachedWeightsPath('resnet', opts())).toThrow(/unknown weights "resnet"; known weights: tiny/);
    expect(cachedWeightsPath('vgg16', { cacheDir: tmp })).toBeNull();
    expect(WEIGHTS.length).toBeGreaterThan(0);
  });
});
