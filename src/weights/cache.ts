/**
 * Where downloaded weights live, and whether an entry there is complete and verified.
 *
 * The cache folder is `--cache-dir`, else `$BRANCHNET_CACHE`, else `$XDG_CACHE_HOME/branchnet`,
 * else `~/.cache/branchnet`; weights go under its `weights/` folder:
 *
 *   weights/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5     (keras-h5: one file)
 *   weights/mobilenet_v1_0.25_224/model.json, group1-shard….bin    (tfjs-layers: one folder)
 *   weights/mobilenet_v1_0.25_224/weights.sha256                  (sha256 recorded on first download)
 *
 * A file reaches its final name only once it is complete and its published checksum matched
 * (download.ts renames `<file>.part` into place); a tfjs-layers entry is complete once its
 * `weights.sha256` manifest exists, which is written last. `cachedWeightsPath` re-checks the
 * checksums (memoised per file size and mtime within the process), so a file put there by hand
 * is used only when it matches.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fail } from '../core/errors.js';
import { cachedHash, readManifest } from './checksum.js';
import { findWeights, WEIGHTS, type Checksum, type WeightsEntry } from './registry.js';

// Moved to ./checksum.ts; re-exported so existing imports keep working.
export { formatManifest, hashFile, hashFileSync, readManifest } from './checksum.js';

export interface CacheOptions {
  /** The cache folder itself (what `--cache-dir` sets); wins over the environment. */
  cacheDir?: string;
  /** Environment to read BRANCHNET_CACHE / XDG_CACHE_HOME from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The known weights (default: the built-in list, WEIGHTS). */
  registry?: readonly WeightsEntry[];
}

/** File name of the recorded-checksum manifest inside a tfjs-layers entry's folder. */
export const MANIFEST_NAME = 'weights.sha256';
export const PART_SUFFIX = '.part';

/**
 * The branchnet cache folder (absolute).
 * @example cacheDir({ env: { XDG_CACHE_HOME: '/tmp/c' } }) // '/tmp/c/branchnet'
 */
export function cacheDir(opts: Pick<CacheOptions, 'cacheDir' | 'env'> = {}): string {
  if (opts.cacheDir) return path.resolve(opts.cacheDir);
  const env = opts.env ?? process.env;
  if (env.BRANCHNET_CACHE) return path.resolve(env.BRANCHNET_CACHE);
  // The XDG spec says to ignore a relative XDG_CACHE_HOME.
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)) return path.join(env.XDG_CACHE_HOME, 'branchnet');
  return path.join(os.homedir(), '.cache', 'branchnet');
}

/** The folder weights are stored in: `<cacheDir>/weights`. */
export function weightsDir(opts: Pick<CacheOptions, 'cacheDir' | 'env'> = {}): string {
  return path.join(cacheDir(opts), 'weights');
}

/**
 * A name that is safe to join onto a cache folder: one path component, no `..`, no separators,
 * no drive or URL syntax. Throws E_WEIGHTS naming `source` otherwise.
 */
export function assertPlainFileName(name: unknown, source: string): asserts name is string {
  const bad = typeof name !== 'string' || name === '' || name === '.' || name === '..' || name.length > 255
    || /[/\\:?#%\0]/.test(name) || path.isAbsolute(name) || name.endsWith(PART_SUFFIX) || name === MANIFEST_NAME;
  if (bad) {
    fail('E_WEIGHTS', `${source}: weight file name ${JSON.stringify(name)} is not a plain file name (expected a name such as group1-shard1of2.bin, without folders, "..", or a leading "/"); refusing to write outside the cache folder`);
  }
}

export interface EntryLayout {
  /** The file a trainer loads: the .h5 file or the model.json. */
  file: string;
  /** The folder holding the entry's files (the weights folder itself for a keras-h5 entry). */
  dir: string;
  /** Recorded-sha256 manifest: `<dir>/weights.sha256` (tfjs-layers) or `<file>.sha256` (keras-h5). */
  manifest: string;
}

/** Where an entry's files go in the cache. Throws E_WEIGHTS for an entry whose `path` is not of the expected shape. */
export function entryLayout(entry: WeightsEntry, opts: Pick<CacheOptions, 'cacheDir' | 'env'> = {}): EntryLayout {
  const root = weightsDir(opts);
  const parts = entry.path.split('/');
  const source = `weights entry "${entry.name}"`;
  if (entry.format === 'keras-h5') {
    if (parts.length !== 1) fail('E_WEIGHTS', `${source}: path "${entry.path}" must be a plain file name`);
    assertPlainFileName(parts[0], source);
    const file = path.join(root, parts[0]);
    return { file, dir: root, manifest: `${file}.sha256` };
  }
  if (parts.length !== 2) fail('E_WEIGHTS', `${source}: path "${entry.path}" must be <folder>/model.json`);
  assertPlainFileName(parts[0], source);
  assertPlainFileName(parts[1], source);
  const dir = path.join(root, parts[0]);
  return { file: path.join(dir, parts[1]), dir, manifest: path.join(dir, MANIFEST_NAME) };
}

/**
 * The shard file names a TF.js layers model.json lists in its weightsManifest, in order, each
 * checked to be a plain file name. Throws E_WEIGHTS naming `source` for anything else.
 */
export function tfjsShardNames(modelJson: string, source: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(modelJson);
  } catch (e) {
    fail('E_WEIGHTS', `${source}: is not JSON (${(e as Error).message}); expected a TF.js layers model.json`);
  }
  const groups = (parsed as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (!Array.isArray(groups)) fail('E_WEIGHTS', `${source}: has no weightsManifest array; expected a TF.js layers model.json`);
  const names: string[] = [];
  for (const g of groups) {
    const paths = (g as { paths?: unknown } | null)?.paths;
    if (!Array.isArray(paths)) fail('E_WEIGHTS', `${source}: a weightsManifest group has no paths array`);
    for (const p of paths) {
      assertPlainFileName(p, source);
      if (!names.includes(p)) names.push(p);
    }
  }
  return names;
}

const statOrNull = (p: string): fs.Stats | null => {
  try {
    const st = fs.statSync(p);
    return st.isFile() ? st : null;
  } catch {
    return null;
  }
};

/**
 * - cached: complete, every checksum matched (published, or recorded on first download)
 * - missing: nothing there
 * - partial: an interrupted download (`.part` files, or some files of a tfjs-layers entry)
 * - unverified: every file there but no checksum to hold them to (put there by hand, no
 *   published checksum); `branchnet weights get` records their sha256
 * - corrupt: a file whose size or checksum does not match
 */
export type CacheState = 'cached' | 'missing' | 'partial' | 'unverified' | 'corrupt';

export interface CachedFile {
  name: string;
  path: string;
  bytes: number;
  checksum: Checksum;
  /** Whether `checksum` is the published one (else it was recorded on first download). */
  published: boolean;
}

export interface CacheStatus {
  entry: WeightsEntry;
  state: CacheState;
  /** The file a trainer loads (whether or not it is there yet). */
  path: string;
  layout: EntryLayout;
  /** What is wrong, for partial / unverified / corrupt. */
  detail?: string;
  /** Bytes already in `.part` files. */
  partialBytes?: number;
  /** The verified files, when cached. */
  files?: CachedFile[];
}

/** Looks an entry up (by name, alias or the entry itself) and checks its files in the cache. */
export function cacheStatus(nameOrEntry: string | WeightsEntry, opts: CacheOptions = {}): CacheStatus {
  const entry = typeof nameOrEntry === 'string' ? findWeights(nameOrEntry, opts.registry ?? WEIGHTS) : nameOrEntry;
  const layout = entryLayout(entry, opts);
  const base: Omit<CacheStatus, 'state'> = { entry, path: layout.file, layout };
  const partBytes = (files: string[]) => files.reduce((s, f) => s + (statOrNull(f + PART_SUFFIX)?.size ?? 0), 0);
  const mainName = path.basename(layout.file);

  /** Checks one present file against a checksum; a mismatch message or a CachedFile. */
  const check = (name: string, file: string, st: fs.Stats, sum: Checksum, published: boolean): CachedFile | string => {
    if (published && name === mainName && entry.size !== undefined && st.size !== entry.size) {
      return `${file}: ${st.size.toLocaleString('en-US')} bytes, expected ${entry.size.toLocaleString('en-US')}`;
    }
    const hex = cachedHash(file, sum.algo, st);
    if (hex !== sum.hex.toLowerCase()) return `${file}: ${sum.algo} ${hex}, expected ${sum.hex}${published ? '' : ' (recorded on first download)'}`;
    return { name, path: file, bytes: st.size, checksum: { algo: sum.algo, hex }, published };
  };

  const mainSt = statOrNull(layout.file);
  if (entry.format === 'keras-h5') {
    if (!mainSt) {
      const bytes = partBytes([layout.file]);
      return bytes > 0 ? { ...base, state: 'partial', partialBytes: bytes, detail: `${bytes.toLocaleString('en-US')} bytes in ${layout.file}${PART_SUFFIX}` } : { ...base, state: 'missing' };
    }
    let sum = entry.checksum;
    const published = sum !== undefined;
    if (!sum) {
      const recorded = readManifest(layout.manifest)?.get(mainName);
      if (!recorded) return { ...base, state: 'unverified', detail: `${layout.file} has no published or recorded checksum` };
      sum = { algo: 'sha256', hex: recorded };
    }
    const r = check(mainName, layout.file, mainSt, sum, published);
    return typeof r === 'string' ? { ...base, state: 'corrupt', detail: r } : { ...base, state: 'cached', files: [r] };
  }

  // tfjs-layers: model.json, its shards, and the manifest written last.
  if (!mainSt) {
    const present = fs.existsSync(layout.dir) ? fs.readdirSync(layout.dir) : [];
    const bytes = present.filter((f) => f.endsWith(PART_SUFFIX)).reduce((s, f) => s + (statOrNull(path.join(layout.dir, f))?.size ?? 0), 0);
    if (present.length === 0) return { ...base, state: 'missing' };
    return { ...base, state: 'partial', partialBytes: bytes, detail: `${layout.file} not downloaded yet` };
  }
  let shards: string[];
  try {
    shards = tfjsShardNames(fs.readFileSync(layout.file, 'utf8'), layout.file);
  } catch (e) {
    return { ...base, state: 'corrupt', detail: (e as Error).message };
  }
  const names = [mainName, ...shards];
  const missing = names.filter((n) => !statOrNull(path.join(layout.dir, n)));
  if (missing.length > 0) {
    const bytes = partBytes(missing.map((n) => path.join(layout.dir, n)));
    return { ...base, state: 'partial', partialBytes: bytes, detail: `missing ${missing.join(', ')} in ${layout.dir}` };
  }
  const recorded = readManifest(layout.manifest);
  if (!recorded) return { ...base, state: 'unverified', detail: `no recorded checksums (${layout.manifest})` };
  const files: CachedFile[] = [];
  for (const n of names) {
    const file = path.join(layout.dir, n);
    const st = statOrNull(file)!;
    if (n === mainName && entry.checksum) {
      const r = check(n, file, st, entry.checksum, true);
      if (typeof r === 'string') return { ...base, state: 'corrupt', detail: r };
    }
    const hex = recorded.get(n);
    if (!hex) return { ...base, state: 'unverified', detail: `${n} has no recorded checksum in ${layout.manifest}` };
    const r = check(n, file, st, { algo: 'sha256', hex }, false);
    if (typeof r === 'string') return { ...base, state: 'corrupt', detail: r };
    files.push(r);
  }
  return { ...base, state: 'cached', files };
}

/**
 * The file a trainer should load for these weights — the .h5 file or the model.json — when it
 * is completely downloaded and verified; null otherwise (not downloaded, interrupted, damaged).
 * @example cachedWeightsPath('vgg16') // '/home/me/.cache/branchnet/weights/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5' or null
 * Throws E_WEIGHTS for a name that is not in the registry.
 */
export function cachedWeightsPath(name: string, opts: CacheOptions = {}): string | null {
  const s = cacheStatus(name, opts);
  return s.state === 'cached' ? s.path : null;
}
