/**
 * API keys: a file of keys, one a line (blank lines and lines starting with # ignored), and a
 * check of `Authorization: Bearer <key>` that takes the same time whichever key or byte
 * differs: both sides are hashed to 32-byte SHA-256 digests (so lengths never leak) and
 * compared with crypto.timingSafeEqual, against every key without stopping at a match.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { fail } from '../index.js';

/** Read the keys of an --api-key-file; fails when it cannot be read or holds no key. */
export async function readApiKeys(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    return fail('E_ARGS', `${file}: cannot read the API key file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give a file with one key a line to --api-key-file`);
  }
  const keys = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (keys.length === 0) fail('E_ARGS', `${file}: no API key in the file; put one key a line (lines starting with # are comments)`);
  return keys;
}

const digest = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest();

/**
 * A checker for Authorization headers against `keys`.
 * @example const ok = bearerChecker(['s3cret']); ok('Bearer s3cret') // true
 */
export function bearerChecker(keys: string[]): (authorization: string | undefined) => boolean {
  const digests = keys.map(digest);
  return (authorization) => {
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
    const given = digest(m ? m[1] : '');
    let ok = false;
    for (const d of digests) ok = crypto.timingSafeEqual(d, given) || ok;
    return ok && m !== null;
  };
}
