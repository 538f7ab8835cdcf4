/**
 * Files and folders written so that a killed process never leaves a half-written one: the one
 * atomic-write routine of branchnet (a temp file in the same folder, flushed, then renamed over
 * the target), and the one folder swap (a finished temp folder renamed over the target).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Write and fsync a file (no rename): for files inside a folder that is itself renamed into place. */
export async function writeFileSynced(file: string, data: string | Uint8Array): Promise<void> {
  const fh = await fs.open(file, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replace `file` atomically: readers see the old content or the new one, never a mix.
 * @example await writeFileAtomic('runs/a/report.html', html);
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFileSynced(tmp, data);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * Put the finished folder `tmp` at `target` (a sibling of it): any old `target` is moved aside,
 * the new one moved in, then the old one removed, so readers see the old folder or the new one.
 * @example await replaceDir('runs/.a.tmp-1', 'runs/a');
 */
export async function replaceDir(tmp: string, target: string): Promise<void> {
  const old = path.join(path.dirname(target), `.${path.basename(target)}.old-${process.pid}-${Date.now()}`);
  let moved = false;
  try {
    await fs.rename(target, old);
    moved = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await fs.rename(tmp, target);
  if (moved) await fs.rm(old, { recursive: true, force: true });
}
