/**
 * Checksums of weight files: md5 / sha256 digests (streamed, or synchronous and remembered per
 * file state), and the `sha256sum`-style manifest that records them when none is published.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { HashAlgo } from './registry.js';
import { writeFileAtomic } from '../core/fs.js';

/** A file's digest, read in chunks (synchronous: training asks for the path before it starts). */
export function hashFileSync(file: string, algo: HashAlgo): string {
  const h = crypto.createHash(algo);
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** A file's digest, streamed. */
export async function hashFile(file: string, algo: HashAlgo): Promise<string> {
  const h = crypto.createHash(algo);
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

const memo = new Map<string, string>();

/** hashFileSync, remembered per path, algorithm, size and mtime for the life of the process. */
export function cachedHash(file: string, algo: HashAlgo, st: fs.Stats): string {
  const key = `${algo}:${st.size}:${st.mtimeMs}:${file}`;
  let hex = memo.get(key);
  if (hex === undefined) {
    hex = hashFileSync(file, algo);
    memo.set(key, hex);
  }
  return hex;
}

/** Reads a `sha256sum`-style manifest (`<hex>  <name>` per line) into name → hex; null when absent or malformed. */
export function readManifest(file: string): Map<string, string> | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) return null;
    out.set(m[2], m[1]);
  }
  return out;
}

/** The manifest text for name → sha256 hex, in `sha256sum -c` format. */
export function formatManifest(files: ReadonlyArray<{ name: string; sha256: string }>): string {
  return files.map((f) => `${f.sha256}  ${f.name}\n`).join('');
}

/** Writes a sha256 manifest atomically (temp file, then rename). */
export async function writeManifest(file: string, files: ReadonlyArray<{ name: string; sha256: string }>): Promise<void> {
  await writeFileAtomic(file, formatManifest(files));
}
