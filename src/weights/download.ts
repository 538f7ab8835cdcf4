/**
 * Fetching weight files into the cache: `downloadFile` (one URL into one file, resumable,
 * verified before it takes its final name) and `getWeights` (a registry entry: the .h5 file, or
 * a TF.js model.json and the shards its weightsManifest names).
 *
 * A download writes `<file>.part`. A dropped connection or a short body is retried (default 3
 * times, with a growing pause) and resumed with `Range: bytes=<size>-` when the server answers
 * 206; a 200 answer restarts from zero. Redirects (301/302/303/307/308) are followed, at most 5.
 * The checksum (published md5/sha256, else sha256 recorded on first download) is checked on the
 * complete `.part`, which is then renamed into place: a file under its final name is whole.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { BranchnetError, fail } from '../core/errors.js';
import {
  cacheStatus, entryLayout, formatManifest, hashFile, PART_SUFFIX, tfjsShardNames,
  type CachedFile, type CacheOptions, type EntryLayout,
} from './cache.js';
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

/** Why a download could not finish; the `cause` of the E_DOWNLOAD error downloadFile throws. */
export class DownloadFailure extends Error {
  constructor(
    /** connect: no connection at all (offline, DNS, refused); transfer: dropped or timed out; http: an error status. */
    readonly kind: 'connect' | 'transfer' | 'http',
    readonly url: string,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DownloadFailure';
  }
}

const CONNECT_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'ETIMEDOUT']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const fmtBytes = (n: number) => n.toLocaleString('en-US');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const defaultBackoff = (attempt: number) => Math.min(8000, 500 * 2 ** (attempt - 1));

interface Opened {
  res: http.IncomingMessage;
  url: string;
}

/** One GET, following redirects; resolves with the first non-redirect response. */
async function open(url: string, headers: Record<string, string>, opts: Required<Pick<DownloadOptions, 'maxRedirects' | 'timeoutMs'>>): Promise<Opened> {
  let current = url;
  for (let hops = 0; ; hops++) {
    const u = new URL(current);
    const lib = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : null;
    if (!lib) throw new DownloadFailure('http', current, `unsupported URL scheme ${u.protocol}`, false);
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      let answered = false;
      const req = lib.get(u, { headers: { 'user-agent': 'branchnet', 'accept-encoding': 'identity', ...headers } }, (r) => {
        answered = true;
        resolve(r);
      });
      req.setTimeout(opts.timeoutMs, () => req.destroy(answered
        ? new DownloadFailure('transfer', current, `no data for ${opts.timeoutMs / 1000} s`, true)
        : new DownloadFailure('connect', current, `no answer from ${u.host} within ${opts.timeoutMs / 1000} s`, true)));
      // Errors here come before any answer (later ones reach the response instead).
      req.on('error', (e: NodeJS.ErrnoException) => {
        const code = e.code ?? '';
        if (e instanceof DownloadFailure) reject(e);
        else if (CONNECT_CODES.has(code)) reject(new DownloadFailure('connect', current, `could not connect to ${u.host} (${e.message})`, true));
        else if (/CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS/.test(code)) reject(new DownloadFailure('connect', current, `TLS certificate problem with ${u.host} (${e.message})`, false));
        else reject(new DownloadFailure('transfer', current, `connection failed (${e.message})`, true));
      });
    });
    const status = res.statusCode ?? 0;
    if (!REDIRECTS.has(status)) return { res, url: current };
    res.resume();
    const location = res.headers.location;
    if (!location) throw new DownloadFailure('http', current, `answered HTTP ${status} without a Location header`, false, status);
    if (hops >= opts.maxRedirects) throw new DownloadFailure('http', url, `more than ${opts.maxRedirects} redirects (last to ${location})`, false, status);
    const next = new URL(location, current);
    if (u.protocol === 'https:' && next.protocol !== 'https:') throw new DownloadFailure('http', current, `refusing a redirect from https to ${next.href}`, false, status);
    current = next.href;
  }
}

/** `bytes <start>-<end>/<total|*>` → numbers; null if malformed. */
function contentRange(v: string | undefined): { start: number; total: number | null } | null {
  const m = v ? /^bytes\s+(\d+)-\d+\/(\d+|\*)$/.exec(v.trim()) : null;
  return m ? { start: Number(m[1]), total: m[2] === '*' ? null : Number(m[2]) } : null;
}

const sizeOf = async (p: string) => (await fsp.stat(p).catch(() => null))?.size ?? 0;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * `<dest>.lock`, holding our pid, so that two processes never append to the same `.part`. A lock
 * whose process is gone is taken over. Returns the lock's path.
 */
async function acquireLock(dest: string): Promise<string> {
  const lock = `${dest}.lock`;
  for (let tries = 0; tries < 3; tries++) {
    try {
      await fsp.writeFile(lock, String(process.pid), { flag: 'wx' });
      return lock;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number((await fsp.readFile(lock, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
      fail('E_DOWNLOAD', `${dest} is being downloaded by another branchnet process (pid ${pid}${pid === process.pid ? ', this one' : ''}); wait for it to finish, or delete ${lock} if that process is gone`);
    }
    await fsp.rm(lock, { force: true }); // left by a process that died
  }
  fail('E_DOWNLOAD', `could not take the download lock ${lock}; delete it and try again`);
}

/**
 * Downloads `url` into `dest` through `dest.part`, resuming and retrying, then verifies the
 * checksum and renames the file into place. A checksum mismatch deletes the `.part` and throws
 * E_DOWNLOAD naming the URL, the expected and the received hash. Network failures throw
 * E_DOWNLOAD with a DownloadFailure as `cause`; the `.part` is kept so the next call resumes.
 */
export async function downloadFile(url: string, dest: string, opts: FileDownloadOptions = {}): Promise<FileDownload> {
  await fsp.mkdir(path.dirname(dest), { recursive: true });
  const lock = await acquireLock(dest);
  try {
    return await fetchVerified(url, dest, opts);
  } finally {
    await fsp.rm(lock, { force: true });
  }
}

/** What one download has seen so far, across its requests. */
interface Transfer {
  url: string;
  dest: string;
  part: string;
  opts: FileDownloadOptions;
  net: Required<Pick<DownloadOptions, 'maxRedirects' | 'timeoutMs'>>;
  log: (message: string) => void;
  requests: number;
  /** Whether some bytes of the `.part` came from a resumed (206) request. */
  resumed: boolean;
  /** A strong ETag from an earlier answer, sent as If-Range so a changed file restarts rather than splices. */
  etag?: string;
}

async function fetchVerified(url: string, dest: string, opts: FileDownloadOptions): Promise<FileDownload> {
  const retries = opts.retries ?? 3;
  const backoff = opts.backoff ?? defaultBackoff;
  const t: Transfer = {
    url, dest, part: dest + PART_SUFFIX, opts, requests: 0, resumed: false,
    net: { maxRedirects: opts.maxRedirects ?? 5, timeoutMs: opts.timeoutMs ?? 30_000 },
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
  const { res, url: at } = await open(t.url, headers, t.net);
  const status = res.statusCode ?? 0;
  const length = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : null;
  let total: number | null;

  if (status === 206 && offset > 0) {
    const cr = contentRange(res.headers['content-range']);
    if (!cr || cr.start !== offset) {
      res.resume();
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
    res.resume();
    const cr = /\/(\d+)\s*$/.exec(res.headers['content-range'] ?? '');
    if (cr && Number(cr[1]) === offset) {
      t.resumed = true; // the .part already holds the whole file (as far as size goes): verify it
      return;
    }
    await fsp.rm(t.part, { force: true });
    throw new DownloadFailure('transfer', at, `refused to resume at ${fmtBytes(offset)} bytes (HTTP 416); restarting from zero`, true);
  } else {
    res.resume();
    const retryable = status >= 500 || status === 408 || status === 429;
    throw new DownloadFailure('http', at, `answered HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`, retryable, status);
  }
  const tag = res.headers.etag;
  if (typeof tag === 'string' && !tag.startsWith('W/')) t.etag = tag;

  // Written by hand rather than with pipeline(): when the connection drops, what arrived is
  // flushed to the .part (pipeline would destroy the file stream and lose its buffer), so the
  // next request resumes from there.
  let received = offset;
  const onProgress = t.opts.onProgress;
  onProgress?.(received, total, t.dest);
  const out = fs.createWriteStream(t.part, { flags: offset > 0 ? 'a' : 'w' });
  const dropped = await new Promise<Error | null>((resolve, reject) => {
    let failure: Error | null = null;
    let ended = false;
    const end = () => { if (!ended) { ended = true; out.end(); } };
    out.on('error', (e) => { res.destroy(); reject(new BranchnetError('E_DOWNLOAD', `cannot write ${t.part}: ${e.message}`, { cause: e })); });
    out.on('close', () => resolve(failure));
    res.on('data', (chunk: Buffer) => {
      received += chunk.length;
      onProgress?.(received, total, t.dest);
      if (!out.write(chunk)) {
        res.pause();
        out.once('drain', () => res.resume());
      }
    });
    res.on('end', end);
    res.on('error', (e) => { failure ??= e; end(); });
    res.on('close', () => { if (!res.complete) failure ??= new Error('aborted'); end(); });
  });
  if (dropped) {
    if (dropped instanceof DownloadFailure) throw dropped;
    throw new DownloadFailure('transfer', at, `connection dropped after ${fmtBytes(received)}${total !== null ? ` of ${fmtBytes(total)}` : ''} bytes (${dropped.message})`, true);
  }
  if (length !== null && received - offset < length) {
    throw new DownloadFailure('transfer', at, `body ended after ${fmtBytes(received)} of ${fmtBytes(offset + length)} bytes`, true);
  }
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

/** Writes a sha256 manifest atomically (temp file, then rename). */
async function writeManifest(file: string, files: CachedFile[]): Promise<void> {
  const tmp = `${file}.tmp`;
  await fsp.writeFile(tmp, formatManifest(files.map((f) => ({ name: f.name, sha256: f.checksum.hex }))));
  await fsp.rename(tmp, file);
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
    ? `cannot download weights "${entry.name}": ${detail}; are you offline or behind a proxy?`
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
