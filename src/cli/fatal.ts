/**
 * The CLI's one top-level error handler: every way a command can end badly leaves as one line on
 * stderr and a documented exit code (EXIT_CODES in core/errors.ts), never as a stack trace.
 *
 *  - BranchnetError (a user error): `branchnet: <message> [E_CODE]`, exit 2.
 *  - A Node system error with a path (ENOENT, EACCES, ENOSPC…): the same line with E_IO, exit 2.
 *  - Anything else is a bug: the full trace goes to a file in the temp folder
 *    (`branchnet-error-<time>-<pid>.log`) and the line says where, exit 3.
 *  - Errors outside the command's promise chain (a throw in a callback, an unhandled rejection)
 *    are caught by process handlers installed before the wasm backend starts: its emscripten glue
 *    adds handlers that re-throw (`throw ex;`), which made Node exit 7 with a trace.
 *  - SIGINT / SIGTERM exit 130 / 143 through process.exit, so 'exit' handlers (temp folders) run.
 *  - If the event loop empties while the command is still pending (a promise nobody will
 *    settle), Node would exit 13 in silence ("unsettled top-level await"); `beforeExit` turns
 *    that into an internal error naming what was pending.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BranchnetError, EXIT_CODES } from '../index.js';

/** errno codes that mean "this path could not be used", which the user can fix. */
const IO_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'ENOSPC', 'EDQUOT', 'EISDIR', 'ENOTDIR', 'EROFS', 'EEXIST', 'ELOOP', 'ENAMETOOLONG', 'EMFILE', 'ENFILE', 'EBUSY', 'EIO']);

interface SystemError extends Error { code?: string; syscall?: string; path?: string; dest?: string }

function isIoError(e: unknown): e is SystemError & { code: string; syscall: string } {
  const s = e as SystemError;
  return e instanceof Error && typeof s.code === 'string' && typeof s.syscall === 'string' && IO_CODES.has(s.code);
}

function ioMessage(e: SystemError & { code: string; syscall: string }): string {
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or folder', EACCES: 'permission denied', EPERM: 'operation not permitted', ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded', EISDIR: 'is a folder, expected a file', ENOTDIR: 'a part of the path is not a folder',
    EROFS: 'read-only file system', EEXIST: 'already exists', ELOOP: 'too many symbolic links (a link loop)',
    ENAMETOOLONG: 'path too long', EMFILE: 'too many open files', ENFILE: 'too many open files', EBUSY: 'busy', EIO: 'input/output error',
  };
  const where = e.path ?? '(unknown path)';
  return `${where}: cannot ${e.syscall}: ${reasons[e.code] ?? e.code} (${e.code}); check the path, its folder and permissions`;
}

function traceText(e: unknown, argv: readonly string[]): string {
  const lines = [
    `branchnet internal error, ${new Date().toISOString()}`,
    `pid ${process.pid}, node ${process.version}, ${process.platform}-${process.arch}`,
    `argv: ${JSON.stringify(argv)}`,
    '',
  ];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && depth < 5; depth++) {
    if (depth > 0) lines.push('', 'caused by:');
    lines.push(cur instanceof Error ? (cur.stack ?? `${cur.name}: ${cur.message}`) : String(cur));
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return lines.join('\n') + '\n';
}

/** Write the full trace where the user can attach it to a report; null if even that fails. */
export function writeTrace(e: unknown, argv: readonly string[] = process.argv.slice(2)): string | null {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(os.tmpdir(), `branchnet-error-${stamp}-${process.pid}.log`);
  try {
    fs.writeFileSync(file, traceText(e, argv));
    return file;
  } catch {
    return null;
  }
}

function writeStderrSync(line: string): void {
  try { fs.writeSync(2, line + '\n'); } catch { /* stderr closed */ }
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
  return text.split('\n')[0]!.slice(0, 300);
}

/**
 * Print the one line for an error and return the exit code. The default writer is synchronous,
 * since it may run just before process.exit.
 */
export function reportError(e: unknown, argv: readonly string[] = process.argv.slice(2), write: (line: string) => void = writeStderrSync): number {
  if (e instanceof BranchnetError) {
    write(`branchnet: ${e.message} [${e.code}]`);
    return e.code === 'E_PREDICT_FAILED' ? EXIT_CODES.failures.code : e.code === 'E_INTERNAL' ? EXIT_CODES.internal.code : EXIT_CODES.user.code;
  }
  if (isIoError(e)) {
    write(`branchnet: ${ioMessage(e)} [E_IO]`);
    return EXIT_CODES.user.code;
  }
  const file = writeTrace(e, argv);
  write(`branchnet: internal error: ${firstLine(e)}; ${file ? `full trace in ${file}` : 'the trace could not be written to the temp folder'}; please report it [E_INTERNAL]`);
  return EXIT_CODES.internal.code;
}

let installed = false;
let pendingCommand: string | null = null;

/**
 * Install the process-wide handlers (once). Prepended, so that they run before the listeners the
 * wasm backend's emscripten glue adds later, which re-throw.
 */
export function installProcessHandlers(): void {
  if (installed) return;
  installed = true;
  const die = (e: unknown) => process.exit(reportError(e));
  process.prependListener('uncaughtException', die);
  process.prependListener('unhandledRejection', die);
  // A command that stops gracefully on a signal (train: finish the step, write a checkpoint)
  // adds its own listener; then this one steps aside and that command decides when to exit.
  const onSignal = (signal: 'SIGINT' | 'SIGTERM', code: number) => () => {
    if (process.listenerCount(signal) > 1) return;
    process.exit(code);
  };
  process.on('SIGINT', onSignal('SIGINT', EXIT_CODES.sigint.code));
  process.on('SIGTERM', onSignal('SIGTERM', EXIT_CODES.sigterm.code));
  process.on('beforeExit', () => {
    if (pendingCommand === null) return;
    const resources = process.getActiveResourcesInfo?.() ?? [];
    const e = new Error(
      `the event loop emptied while "${pendingCommand}" was still waiting for a promise that nothing can settle ` +
      `(active resources: ${resources.length ? resources.join(', ') : 'none'}); Node would otherwise exit 13 without a word`,
    );
    process.exit(reportError(e));
  });
}

/** Mark a command as running (or finished, with null), for the beforeExit check. */
export function setPendingCommand(name: string | null): void {
  pendingCommand = name;
}
