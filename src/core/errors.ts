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
  | 'E_INTERRUPTED';

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
