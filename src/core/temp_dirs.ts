/**
 * Temp folders that belong to one process: `<os.tmpdir()>/<prefix>-<pid>-<random>`. The folder
 * is removed when the process exits normally or through process.exit (the CLI turns SIGINT and
 * SIGTERM into process.exit); a process killed with SIGKILL, or one whose embedder lets a signal
 * kill it, cannot clean up, so each new folder's creation first removes the folders of the same
 * prefix whose pid no longer runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Whether a process with this pid runs (EPERM: it does, under another user). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Folders made before pids were in the name (`<prefix>-XXXXXX`) are removed once this old. */
const LEGACY_MAX_AGE_MS = 24 * 3600 * 1000;

/**
 * Remove `<prefix>-<pid>-*` folders in the temp folder whose process is gone, and legacy
 * `<prefix>-XXXXXX` ones older than a day. Returns the removed paths. Never throws.
 * @example removeStaleTempDirs('branchnet-wasm')
 */
export function removeStaleTempDirs(prefix: string, dir = os.tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  const owned = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)-[A-Za-z0-9]{6}$`);
  const legacy = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[A-Za-z0-9]{6}$`);
  for (const name of names) {
    const full = path.join(dir, name);
    const m = owned.exec(name);
    let stale = false;
    if (m) stale = Number(m[1]) !== process.pid && !pidAlive(Number(m[1]));
    else if (legacy.test(name)) {
      try {
        stale = Date.now() - fs.statSync(full).mtimeMs > LEGACY_MAX_AGE_MS;
      } catch {
        stale = false;
      }
    }
    if (!stale) continue;
    try {
      fs.rmSync(full, { recursive: true, force: true });
      removed.push(full);
    } catch { /* another process is cleaning it, or it is not ours to remove */ }
  }
  return removed;
}

/**
 * Make `<tmpdir>/<prefix>-<pid>-XXXXXX`, removed at process exit; stale ones of dead processes
 * are removed first.
 * @example const dir = makeProcessTempDir('branchnet-wasm');
 */
export function makeProcessTempDir(prefix: string): string {
  removeStaleTempDirs(prefix);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-${process.pid}-`));
  process.once('exit', () => {
    try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* best effort at exit */ }
  });
  return dir;
}
