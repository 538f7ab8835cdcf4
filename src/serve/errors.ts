/**
 * What the HTTP service answers when something goes wrong: a status and a JSON body
 * `{ error: { code, message } }`. Errors a client caused are BranchnetErrors with a stable code
 * (src/core/errors.ts); this file maps each code to its status, and the errors Fastify and
 * @fastify/multipart raise themselves (body too large, unknown content type, too many files,
 * client timeouts) to the same codes, so a client only ever sees one shape.
 */
import { BranchnetError, type ErrorCode } from '../index.js';

/** Codes an HTTP client can receive: the client's errors, plus E_INTERNAL for our own bugs. */
export type ServeErrorCode = ErrorCode | 'E_INTERNAL';

export interface ErrorBody {
  error: { code: ServeErrorCode; message: string };
}

const STATUS: Partial<Record<ServeErrorCode, number>> = {
  E_NO_IMAGE: 400,
  E_BAD_REQUEST: 400,
  E_TOO_MANY_FILES: 400,
  E_IMAGE_DECODE: 400,
  E_UNAUTHORIZED: 401,
  E_NOT_FOUND: 404,
  E_TIMEOUT: 408,
  E_BODY_TOO_LARGE: 413,
  E_TOO_MANY_PIXELS: 413,
  E_NOT_IMAGE: 415,
  E_CONTENT_TYPE: 415,
  E_NOT_READY: 503,
  E_QUEUE_FULL: 503,
  E_INTERNAL: 500,
};

/** The HTTP status of an error code; a BranchnetError with an unmapped code is a bad request. */
export function statusOf(code: ServeErrorCode): number {
  return STATUS[code] ?? 400;
}

export function errorBody(code: ServeErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/** Errors Fastify and its plugins raise before our handlers run, by their `code`. */
const FASTIFY_CODES: Record<string, ServeErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'E_BODY_TOO_LARGE',
  FST_REQ_FILE_TOO_LARGE: 'E_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'E_CONTENT_TYPE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'E_CONTENT_TYPE',
  FST_FILES_LIMIT: 'E_TOO_MANY_FILES',
  FST_PARTS_LIMIT: 'E_TOO_MANY_FILES',
  FST_FIELDS_LIMIT: 'E_TOO_MANY_FILES',
};

/**
 * Turn anything thrown while serving a request into a status and body. Unknown errors are ours:
 * 500 with a generic message (the details go to the log, never to the client).
 */
export function toHttpError(err: unknown, limits: { maxFiles: number; maxBodyBytes: number }): { status: number; body: ErrorBody; internal: boolean } {
  if (err instanceof BranchnetError) return { status: statusOf(err.code), body: errorBody(err.code, err.message), internal: false };
  const e = err as { code?: string; statusCode?: number; message?: string };
  const code = e?.code ? FASTIFY_CODES[e.code] : undefined;
  if (code) return { status: statusOf(code), body: errorBody(code, fastifyMessage(code, limits)), internal: false };
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    // Other client errors Fastify detects (malformed multipart, aborted bodies): keep their status.
    return { status: e.statusCode, body: errorBody('E_BAD_REQUEST', `the request body could not be read (${e.message ?? 'malformed'}); send one image as the body or multipart/form-data with image files`), internal: false };
  }
  return { status: 500, body: errorBody('E_INTERNAL', 'internal error while serving this request; the server log has the details'), internal: true };
}

function fastifyMessage(code: ServeErrorCode, limits: { maxFiles: number; maxBodyBytes: number }): string {
  switch (code) {
    case 'E_BODY_TOO_LARGE': return `request body is larger than ${limits.maxBodyBytes} bytes (--max-body); send a smaller image or raise --max-body`;
    case 'E_TOO_MANY_FILES': return `more than ${limits.maxFiles} parts in the form (--max-files); send at most ${limits.maxFiles} images per request`;
    case 'E_CONTENT_TYPE': return 'unsupported Content-Type; send one image with Content-Type image/* or several as multipart/form-data';
    default: return code;
  }
}
