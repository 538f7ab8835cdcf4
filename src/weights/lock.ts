/**
 * The download lock: `<dest>.lock` holds the pid of the process writing `<dest>.part`, so two
 * processes (or two calls in one) never append to the same file. A lock whose process is gone is taken over.
 */
import fsp from 'node:fs/promises';
import { fail } from '../core/errors.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Takes `<dest>.lock` for this process; throws E_DOWNLOAD when a live process holds it. Returns
 * the lock's path, for releaseLock.
 * @example const lock = await acquireLock(dest); try { … } finally { await releaseLock(lock); }
 */
export async function acquireLock(dest: string): Promise<string> {
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

/** Gives the lock back (deletes the file). */
export async function releaseLock(lock: string): Promise<void> {
  await fsp.rm(lock, { force: true });
}
