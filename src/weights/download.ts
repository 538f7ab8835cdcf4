/**
 * Fetching weight files into the cache: `downloadFile` (one URL into one file, resumable,
 * verified before it takes its final name) and `getWeights` (a registry entry: the .h5 file, or
 * a TF.js model.json and the shards its weightsManifest names).
 *
 * A download writes `<file>.part`. A dropped connection or a short body is retried (default 3
 * times, with a growing pause) and resumed with `Range: bytes=<size>-` when the server answers
 * 206; a 200 answer restarts from zero. The checksum (published md5/sha256, else sha256 recorded
 * on first download) is checked on the complete `.part`, which is then renamed into place: a file
 * under its final name is whole.
 *
 * This file is the orchestration; the transport (undici, proxy from HTTPS_PROXY / HTTP_PROXY /
 * NO_PROXY, redirects, timeouts) is ./http.ts, the lock ./lock.ts, digests ./checksum.ts.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { BranchnetError, fail } from '../core/errors.js';
import { cacheStatus, entryLayout, PART_SUFFIX, tfjsShardNames, type CachedFile, type CacheOptions, type EntryLayout } from './cache.js';
import { hashFile, writeManifest as writeManifestEntries } from './checksum.js';
import { DownloadFailure, httpClient, type HttpClient, type HttpResponse } from './http.js';
import { acquireLock, releaseLock } from './lock.js';
import { findWeights, WEIGHTS, type Checksum, type HashAlgo, type WeightsEntry } from './registry.js';

export interface DownloadOptions {
  /** Retries after a dropped connection, short body, timeout or 5xx answer (default 3). */
  retries?: number;
  /** Milliseconds to wait before retry number `attempt` (1-based); default 500·2^(attempt−1), at most 8 s. */
  backoff?: (attempt: number) => number;
  /** Redirects followed per request (default 5). */
  maxRedirects?: number;
  /** Give up on a connection silent for this long, in ms (default 30 s); counts as a dropped connection. */
  timeoutMs?: number;
  /** Where HTTPS_PROXY / HTTP_PROXY / NO_PROXY are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Bytes of `file` (its final path) received so far, out of `total` when the server says. */
  onProgress?: (received: number, total: number | null, file: string) => void;
  /** One line about what is happening: resuming, restarting, retrying. */
  log?: (message: string) => void;
}

export interface FileDownloadOptions extends DownloadOptions {
  /** The published checksum to hold the file to; without it, `recordAlgo` (default sha256) is computed. */
  checksum?: Checksum;
  recordAlgo?: HashAlgo;
}

export interface FileDownload {
  url: string;
  path: string;
  bytes: number;
  /** The verified checksum, or the one computed when none was published. */
  checksum: Checksum;
  /** Whether `checksum` is a published one that matched. */
  verified: boolean;
  /** HTTP requests made (redirects not counted). */
  requests: number;
  /** Whether some bytes came from a resumed (206) request. */
  resumed: boolean;
}

// Moved to ./http.ts; re-exported so existing imports keep working.
export { DownloadFailure };

const fmtBytes = (n: number) => n.toLocaleString('en-US');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const defaultBackoff = (attempt: number) => Math.min(8000, 500 * 2 ** (attempt - 1));

/** `bytes <start>-<end>/<total|*>` → numbers; null if malformed. */
function contentRange(v: string | undefined): { start: number; total: number | null } | null {
  const m = v ? /^bytes\s+(\d+)-\d+\/(\d+|\*)$/.exec(v.trim()) : null;
  return m ? { start: Number(m[1]), total: m[2] === '*' ? null : Number(m[2]) } : null;
}

const sizeOf = async (p: string) => (await fsp.stat(p).catch(() => null))?.size ?? 0;

/**
 * Downloads `url` into `dest` through `dest.part`, resuming and retrying, then verifies the
 * checksum and renames the file into place. A checksum mismatch deletes the `.part` and throws
 * E_DOWNLOAD naming the URL, the expected and the received hash. Network failures throw
 * E_DOWNLOAD with a DownloadFailure as `cause`; the `.part` is kept so the next call resumes.
 */
export async function downloadFile(url: string, dest: string, opts: FileDownloadOptions = {}): Promise<FileDownload> {
  await fsp.mkdir(path.dirname(dest), { recursive: true });
  const lock = await acquireLock(dest);
  const http = httpClient({ maxRedirects: opts.maxRedirects ?? 5, timeoutMs: opts.timeoutMs ?? 30_000, env: opts.env });
  try {
    return await fetchVerified(url, dest, opts, http);
  } finally {
    await http.close();
    await releaseLock(lock);
  }
}

/** What one download has seen so far, across its requests. */
interface Transfer {
  url: string;
  dest: string;
  part: string;
  opts: FileDownloadOptions;
  http: HttpClient;
  log: (message: string) => void;
  requests: number;
  /** Whether some bytes of the `.part` came from a resumed (206) request. */
  resumed: boolean;
  /** A strong ETag from an earlier answer, sent as If-Range so a changed file restarts rather than splices. */
  etag?: string;
}

async function fetchVerified(url: string, dest: string, opts: FileDownloadOptions, http: HttpClient): Promise<FileDownload> {
  const retries = opts.retries ?? 3;
  const backoff = opts.backoff ?? defaultBackoff;
  const t: Transfer = {
    url, dest, part: dest + PART_SUFFIX, opts, http, requests: 0, resumed: false,
    log: opts.log ?? (() => {}),
  };
  const offset0 = await sizeOf(t.part);
  if (offset0 > 0) t.log(`resuming ${path.basename(dest)} from ${fmtBytes(offset0)} bytes already in ${t.part}`);

  let failures = 0;
  let restartedAfterMismatch = false;
  for (;;) {
    try {
      await attempt(t);
    } catch (e) {
      if (!(e instanceof DownloadFailure)) throw e;
      if (!e.retryable || failures >= retries) {
        const tries = t.requests === 1 ? '' : ` (${t.requests} attempts)`;
        const kept = await sizeOf(t.part);
        const keptNote = e.kind === 'transfer' && kept > 0 ? `; the ${fmtBytes(kept)} bytes received are kept in ${t.part} and the next run resumes them` : '';
        fail('E_DOWNLOAD', `${e.url}: ${e.message}${tries}${keptNote}`, e);
      }
      failures++;
      const wait = backoff(failures);
      t.log(`${e.message}; retry ${failures}/${retries}${wait > 0 ? ` in ${(wait / 1000).toFixed(1)} s` : ''}`);
      if (wait > 0) await sleep(wait);
      continue;
    }
    // The body is complete: verify it before it gets its final name.
    const bytes = await sizeOf(t.part);
    const sum = opts.checksum;
    const algo = sum?.algo ?? opts.recordAlgo ?? 'sha256';
    const hex = await hashFile(t.part, algo);
    if (sum && hex !== sum.hex.toLowerCase()) {
      await fsp.rm(t.part, { force: true });
      if (t.resumed && !restartedAfterMismatch) {
        // A resumed download may have spliced two versions of the file: one clean try from zero.
        restartedAfterMismatch = true;
        t.resumed = false;
        t.etag = undefined;
        t.log(`${algo} mismatch after resuming; downloading ${path.basename(dest)} again from the start`);
        continue;
      }
      fail('E_DOWNLOAD', `${url}: ${algo} mismatch: expected ${sum.hex}, received ${hex} (${fmtBytes(bytes)} bytes); the download was deleted and nothing was cached`);
    }
    await fsp.rename(t.part, dest);
    return { url, path: dest, bytes, checksum: { algo, hex }, verified: sum !== undefined, requests: t.requests, resumed: t.resumed };
  }
}

/** One request: appends to or rewrites the `.part`; resolves once the whole body is on disk. */
async function attempt(t: Transfer): Promise<void> {
  let offset = await sizeOf(t.part);
  const headers: Record<string, string> = {};
  if (offset > 0) {
    headers.range = `bytes=${offset}-`;
    if (t.etag) headers['if-range'] = t.etag;
  }
  t.requests++;
  const res = await t.http.get(t.url, headers);
  const { status, url: at } = res;
  const lengthHeader = res.header('content-length');
  const length = lengthHeader !== undefined ? Number(lengthHeader) : null;
  let total: number | null;

  if (status === 206 && offset > 0) {
    const cr = contentRange(res.header('content-range'));
    if (!cr || cr.start !== offset) {
      await res.discard();
      await fsp.rm(t.part, { force: true });
      throw new DownloadFailure('transfer', at, `answered a range request with ${cr ? `bytes from ${cr.start}` : 'no Content-Range'} instead of from ${offset}; restarting from zero`, true);
    }
    t.resumed = true;
    total = cr.total ?? (length !== null ? offset + length : null);
  } else if (status === 200) {
    if (offset > 0) t.log(`${new URL(at).host} ignored the Range request; downloading ${path.basename(t.dest)} again from the start`);
    offset = 0;
    t.resumed = false;
    total = length;
  } else if (status === 416 && offset > 0) {
    await res.discard();
    const cr = /\/(\d+)\s*$/.exec(res.header('content-range') ?? '');
    if (cr && Number(cr[1]) === offset) {
      t.resumed = true; // the .part already holds the whole file (as far as size goes): verify it
      return;
    }
    await fsp.rm(t.part, { force: true });
    throw new DownloadFailure('transfer', at, `refused to resume at ${fmtBytes(offset)} bytes (HTTP 416); restarting from zero`, true);
  } else {
    await res.discard();
    const retryable = status >= 500 || status === 408 || status === 429;
    throw new DownloadFailure('http', at, `answered HTTP ${status}${res.statusText ? ` ${res.statusText}` : ''}`, retryable, status);
  }
  const tag = res.header('etag');
  if (tag !== undefined && !tag.startsWith('W/')) t.etag = tag;

  const received = await writeBody(res, t, offset, total);
  if (length !== null && received - offset < length) {
    throw new DownloadFailure('transfer', at, `body ended after ${fmtBytes(received)} of ${fmtBytes(offset + length)} bytes`, true);
  }
}

/**
 * Appends the body to the `.part` (or rewrites it from `offset` 0) and returns the bytes the
 * file then holds. When the connection drops, what arrived is flushed to the `.part` first, so
 * the next request resumes from there.
 */
async function writeBody(res: HttpResponse, t: Transfer, offset: number, total: number | null): Promise<number> {
  let received = offset;
  const onProgress = t.opts.onProgress;
  onProgress?.(received, total, t.dest);
  const out = fs.createWriteStream(t.part, { flags: offset > 0 ? 'a' : 'w' });
  let writeError: Error | undefined;
  out.on('error', (e) => { writeError ??= e; });
  // On 'close' too: a stream that failed never drains.
  const drained = () => new Promise<void>((resolve) => {
    const done = () => { out.off('drain', done); out.off('close', done); resolve(); };
    out.on('drain', done);
    out.on('close', done);
  });
  let dropped: Error | undefined;
  try {
    for await (const chunk of res.body()) {
      received += chunk.length;
      onProgress?.(received, total, t.dest);
      if (!out.write(chunk)) await drained();
      if (writeError) break;
    }
  } catch (e) {
    dropped = e as Error;
  }
  out.end();
  await finished(out).catch(() => undefined);
  if (writeError) throw new BranchnetError('E_DOWNLOAD', `cannot write ${t.part}: ${writeError.message}`, { cause: writeError });
  if (dropped) {
    if (dropped instanceof DownloadFailure) throw dropped;
    throw new DownloadFailure('transfer', res.url, `connection dropped after ${fmtBytes(received)}${total !== null ? ` of ${fmtBytes(total)}` : ''} bytes (${dropped.message})`, true);
  }
  return received;
}

export interface GetWeightsOptions extends CacheOptions, DownloadOptions {
  /** Download again even when the cache holds a verified copy. */
  force?: boolean;
}

export interface GetWeightsResult {
  entry: WeightsEntry;
  /** The file a trainer loads: the .h5 file or the model.json. */
  path: string;
  /** False when the cache already held a verified copy (or files placed by hand were adopted). */
  downloaded: boolean;
  files: CachedFile[];
  /** The recorded-sha256 manifest, for entries without a published checksum. */
  manifest?: string;
  /** Things to tell the user, e.g. "no published checksum; recorded sha256 …". */
  notes: string[];
}

/**
 * Makes sure the cache holds these weights, verified; downloads what is missing.
 * @example const { path } = await getWeights('vgg16'); // …/weights/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5
 * Throws E_WEIGHTS for an unknown name or a model.json naming a shard outside its folder, and
 * E_DOWNLOAD when the download fails; the offline message says which URLs to fetch by hand,
 * where to put them, their expected checksum, and that `--weights <path>` takes them directly.
 */
export async function getWeights(name: string, opts: GetWeightsOptions = {}): Promise<GetWeightsResult> {
  const entry = findWeights(name, opts.registry ?? WEIGHTS);
  const layout = entryLayout(entry, opts);
  const log = opts.log ?? (() => {});
  const notes: string[] = [];

  if (opts.force) {
    await removeEntryFiles(entry, layout);
  } else {
    const st = cacheStatus(entry, opts);
    if (st.state === 'cached') {
      return { entry, path: layout.file, downloaded: false, files: st.files ?? [], manifest: st.files?.some((f) => !f.published) ? layout.manifest : undefined, notes };
    }
    if (st.state === 'corrupt') {
      log(`the cached copy does not verify (${st.detail}); downloading it again`);
      if (entry.format === 'tfjs-layers') await removeEntryFiles(entry, layout);
      else await fsp.rm(layout.manifest, { force: true });
    }
    if (st.state === 'unverified') {
      // Every file is there (placed by hand); nothing published to check against, so record.
      const files = await recordFiles(entry, layout);
      notes.push(`found the files already in ${entry.format === 'keras-h5' ? layout.file : layout.dir}; no published checksum; recorded sha256 in ${layout.manifest}`);
      return { entry, path: layout.file, downloaded: false, files, manifest: layout.manifest, notes };
    }
  }

  const pending: { shardUrls?: string[] } = {};
  try {
    if (entry.format === 'keras-h5') {
      const d = await downloadFile(entry.url, layout.file, { ...opts, checksum: entry.checksum });
      const file: CachedFile = { name: path.basename(layout.file), path: d.path, bytes: d.bytes, checksum: d.checksum, published: d.verified };
      if (d.verified) return { entry, path: layout.file, downloaded: true, files: [file], notes };
      await writeManifest(layout.manifest, [file]);
      notes.push(`no published checksum; recorded sha256 ${d.checksum.hex} in ${layout.manifest}`);
      return { entry, path: layout.file, downloaded: true, files: [file], manifest: layout.manifest, notes };
    }
    return await getTfjs(entry, layout, opts, notes, pending);
  } catch (e) {
    if (e instanceof BranchnetError && e.code === 'E_DOWNLOAD' && e.cause instanceof DownloadFailure) {
      fail('E_DOWNLOAD', failureMessage(entry, layout, e.cause, e.message, pending.shardUrls), e.cause);
    }
    throw e;
  }
}

/** A tfjs-layers entry: model.json, then each shard not yet there; `pending` tracks the shards still to fetch, for the error message. */
async function getTfjs(entry: WeightsEntry, layout: EntryLayout, opts: GetWeightsOptions, notes: string[], pending: { shardUrls?: string[] }): Promise<GetWeightsResult> {
  const mainName = path.basename(layout.file);
  // A model.json under its final name came whole from an earlier (interrupted) run or by hand.
  const haveMain = fs.existsSync(layout.file);
  const mainDl = haveMain ? null : await downloadFile(entry.url, layout.file, { ...opts, checksum: entry.checksum });
  let shards: string[];
  try {
    shards = tfjsShardNames(await fsp.readFile(layout.file, 'utf8'), entry.url);
  } catch (e) {
    await fsp.rm(layout.file, { force: true });
    throw e;
  }
  const files: CachedFile[] = [];
  const asFile = async (n: string, p: string): Promise<CachedFile> => ({ name: n, path: p, bytes: (await fsp.stat(p)).size, checksum: { algo: 'sha256', hex: await hashFile(p, 'sha256') }, published: false });
  files.push(mainDl && mainDl.checksum.algo === 'sha256' ? { name: mainName, path: mainDl.path, bytes: mainDl.bytes, checksum: mainDl.checksum, published: false } : await asFile(mainName, layout.file));
  for (let i = 0; i < shards.length; i++) {
    const n = shards[i];
    const p = path.join(layout.dir, n);
    if (fs.existsSync(p)) {
      files.push(await asFile(n, p));
      continue;
    }
    pending.shardUrls = shards.slice(i).filter((s) => !fs.existsSync(path.join(layout.dir, s))).map((s) => new URL(s, entry.url).href);
    const d = await downloadFile(new URL(n, entry.url).href, p, { ...opts, recordAlgo: 'sha256' });
    files.push({ name: n, path: d.path, bytes: d.bytes, checksum: d.checksum, published: false });
  }
  await writeManifest(layout.manifest, files);
  const published = entry.checksum ? ` (model.json matched its published ${entry.checksum.algo})` : '';
  notes.push(`no published checksum${entry.checksum ? ' for the shards' : ''}; recorded sha256 of ${files.length} files in ${layout.manifest}${published}`);
  return { entry, path: layout.file, downloaded: true, files, manifest: layout.manifest, notes };
}

/** Writes the recorded-sha256 manifest of these files atomically. */
async function writeManifest(file: string, files: CachedFile[]): Promise<void> {
  await writeManifestEntries(file, files.map((f) => ({ name: f.name, sha256: f.checksum.hex })));
}

/** Records the sha256 of an entry's files already in the cache (all present, none published). */
async function recordFiles(entry: WeightsEntry, layout: EntryLayout): Promise<CachedFile[]> {
  const names = [path.basename(layout.file)];
  if (entry.format === 'tfjs-layers') names.push(...tfjsShardNames(await fsp.readFile(layout.file, 'utf8'), layout.file));
  const files: CachedFile[] = [];
  for (const n of names) {
    const p = path.join(path.dirname(layout.file), n);
    files.push({ name: n, path: p, bytes: (await fsp.stat(p)).size, checksum: { algo: 'sha256', hex: await hashFile(p, 'sha256') }, published: false });
  }
  await writeManifest(layout.manifest, files);
  return files;
}

/** Deletes an entry's manifest, `.part` files and (tfjs-layers) its model.json and shards; keeps a keras-h5 file until its replacement verifies. */
async function removeEntryFiles(entry: WeightsEntry, layout: EntryLayout): Promise<void> {
  await fsp.rm(layout.manifest, { force: true });
  await fsp.rm(layout.file + PART_SUFFIX, { force: true });
  if (entry.format !== 'tfjs-layers') return;
  let shards: string[] = [];
  try {
    shards = tfjsShardNames(await fsp.readFile(layout.file, 'utf8'), layout.file);
  } catch { /* absent or unreadable: only the known names go */ }
  for (const n of shards) {
    await fsp.rm(path.join(layout.dir, n), { force: true });
    await fsp.rm(path.join(layout.dir, n + PART_SUFFIX), { force: true });
  }
  await fsp.rm(layout.file, { force: true });
}

/** The E_DOWNLOAD message: what failed, then how to install the files by hand. */
function failureMessage(entry: WeightsEntry, layout: EntryLayout, f: DownloadFailure, detail: string, shardUrls?: string[]): string {
  const head = f.kind === 'connect'
    ? `cannot download weights "${entry.name}": ${detail}; are you offline or behind a proxy? (a proxy is taken from HTTPS_PROXY / HTTP_PROXY; NO_PROXY lists the hosts reached directly)`
    : `cannot download weights "${entry.name}": ${detail}`;
  const sum = entry.checksum;
  const size = entry.size !== undefined ? `${fmtBytes(entry.size)} bytes, ` : '';
  if (entry.format === 'keras-h5') {
    const expect = sum
      ? `Expected: ${size}${sum.algo} ${sum.hex} (check with: ${sum.algo}sum <file>).`
      : `No published checksum: run branchnet weights get ${entry.name} afterwards to record its sha256.`;
    return [
      head,
      'To install it by hand, download',
      `  ${entry.url}`,
      'and save it as',
      `  ${layout.file}`,
      expect,
      `Or pass the downloaded file to training with --weights <path>.`,
    ].join('\n');
  }
  const folderUrl = new URL('.', entry.url).href;
  const what = shardUrls?.length
    ? ['To install it by hand, download', ...(fs.existsSync(layout.file) ? [] : [`  ${entry.url}`]), ...shardUrls.map((u) => `  ${u}`)]
    : ['To install it by hand, download', `  ${entry.url}`, `and every shard file its weightsManifest lists (from ${folderUrl})`];
  return [
    head,
    ...what,
    'into the folder',
    `  ${layout.dir}${path.sep}`,
    sum
      ? `Expected: model.json ${size}${sum.algo} ${sum.hex}; the shards have no published checksum (branchnet weights get ${entry.name} records their sha256 once they are there).`
      : `No published checksum: run branchnet weights get ${entry.name} afterwards to record their sha256.`,
    'Or pass the downloaded model.json to training with --weights <path>.',
  ].join('\n');
}
