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
