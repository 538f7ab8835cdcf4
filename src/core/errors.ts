/**
 * Errors with stable codes. Every error a user can cause is a BranchnetError whose message
 * names the file or head, what was received, what was expected, and how to fix it.
 * Codes never change once published; tests assert both code and text.
 */
export type ErrorCode =
  | 'E_DATA_EMPTY'
  | 'E_DATA_SOURCE'
  | 'E_DATA_FOLDER_NAME'
  | 'E_DATA_CSV'
  | 'E_DATA_LABEL'
  | 'E_DATA_CHECK'
  | 'E_IMAGE_DECODE'
  | 'E_CONFIG'
  | 'E_MODEL_DIR'
  | 'E_WEIGHTS'
  | 'E_DOWNLOAD'
  | 'E_BACKEND'
  | 'E_ARGS'
  | 'E_SYNTH_OPTION'
  | 'E_SYNTH_OUT'
  | 'E_ONNX'
  | 'E_EXPORT_OUT'

  // Output folders, checkpoints and interruption (issue #12).
  | 'E_OUT_PATH'
  | 'E_OUT_EXISTS'
  | 'E_CHECKPOINT'
  | 'E_INTERRUPTED'

  /** A file or folder could not be read or written (missing, no permission, disk full). */
  | 'E_IO'
  /** predict: some inputs could not be read or decoded (exit code 1, unless --allow-failures). */
  | 'E_PREDICT_FAILED'
  /** A bug in branchnet, not something the user did: one line plus where the full trace was written. */
  | 'E_INTERNAL'

  // branchnet serve: what a client sent (each maps to an HTTP status in src/serve/errors.ts)
  | 'E_BODY_TOO_LARGE'
  | 'E_TOO_MANY_PIXELS'
  | 'E_NOT_IMAGE'
  | 'E_CONTENT_TYPE'
  | 'E_TOO_MANY_FILES'
  | 'E_NO_IMAGE'
  | 'E_UNAUTHORIZED'
  | 'E_NOT_FOUND'
  | 'E_NOT_READY'
  | 'E_QUEUE_FULL'
  | 'E_TIMEOUT'
  | 'E_BAD_REQUEST'
  | 'E_SERVE';

export class BranchnetError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'BranchnetError';
  }
}

export function fail(code: ErrorCode, message: string, cause?: unknown): never {
  throw new BranchnetError(code, message, cause === undefined ? undefined : { cause });
}

/**
 * Every exit status the CLI uses: the one table `branchnet --help` prints and the README copies.
 * 128 + signal number follows the shell's convention for a process stopped by a signal.
 */
export const EXIT_CODES = {
  ok: { code: 0, meaning: 'success' },
  failures: { code: 1, meaning: 'predict finished, but some inputs failed (listed in the output and on stderr; --allow-failures exits 0); check found a problem that would stop train' },
  user: { code: 2, meaning: 'a usage or data error: one line `branchnet: <what and how to fix> [E_CODE]` on stderr' },
  internal: { code: 3, meaning: 'an internal error (a bug): one line on stderr with the path of the full trace [E_INTERNAL]' },
  sigint: { code: 130, meaning: 'interrupted (SIGINT, Ctrl-C); temporary files are removed; train first finishes its step and writes a checkpoint to resume from' },
  sigterm: { code: 143, meaning: 'terminated (SIGTERM); as SIGINT' },
} as const;

/** The exit-code table as help text. */
export function exitCodesHelp(): string {
  const rows = Object.values(EXIT_CODES).map((e) => `  ${String(e.code).padEnd(4)} ${e.meaning}`);
  return ['Exit codes:', ...rows].join('\n');
}
