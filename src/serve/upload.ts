/**
 * The images of one POST /v1/predict: the raw body (Content-Type image/*) or the file parts of a
 * multipart/form-data form, as named byte arrays, with the request limits applied while reading
 * (bytes in the body, files in the form). What the bytes are is checked afterwards (./sniff.ts).
 */
import type { FastifyRequest } from 'fastify';
import { fail } from '../index.js';

export interface Upload {
  /** What results and errors call it: the part's file name, or "body" for a raw upload. */
  name: string;
  data: Uint8Array;
}

export interface UploadLimits {
  maxFiles: number;
  maxBodyBytes: number;
}

const IMAGE_TYPE = /^image\/[\w.+-]+\s*(;|$)/i;
const MULTIPART_TYPE = /^multipart\/form-data\s*;/i;

/** Which way the body carries images, from its Content-Type; fails with E_CONTENT_TYPE otherwise. */
export function uploadKind(contentType: string | undefined): 'raw' | 'multipart' {
  const ct = contentType ?? '';
  if (IMAGE_TYPE.test(ct)) return 'raw';
  if (MULTIPART_TYPE.test(ct)) return 'multipart';
  return fail('E_CONTENT_TYPE', `Content-Type "${ct || '(none)'}" is not accepted; send one image as the body with Content-Type image/* (e.g. image/png), or up to the --max-files limit as multipart/form-data`);
}

/** The regular expression of raw image content types, for Fastify's content-type parser. */
export const RAW_IMAGE_CONTENT_TYPE = /^image\/[\w.+-]+/i;

/** A part's file name as it may appear in a response: no control characters, at most 200 characters. */
export function cleanName(name: string | undefined, fallback: string): string {
  // eslint-disable-next-line no-control-regex
  const s = (name ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
  return s || fallback;
}

type MultipartRequest = FastifyRequest & {
  parts(opts: { limits: Record<string, number> }): AsyncIterableIterator<{ type: 'file' | 'field'; fieldname: string; filename?: string; toBuffer?: () => Promise<Buffer> }>;
};

/** Read the images of a request whose body Fastify has parsed (raw) or left to stream (multipart). */
export async function readUploads(req: FastifyRequest, limits: UploadLimits): Promise<Upload[]> {
  if (uploadKind(req.headers['content-type']) === 'raw') {
    const body = req.body;
    const data = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
    if (data.length === 0) fail('E_NO_IMAGE', 'the request body is empty; send the image bytes as the body');
    return [{ name: 'body', data }];
  }
  const uploads: Upload[] = [];
  let total = 0;
  const parts = (req as MultipartRequest).parts({
    limits: { files: limits.maxFiles, fileSize: limits.maxBodyBytes, fields: 16, parts: limits.maxFiles + 16, fieldSize: 4096 },
  });
  for await (const part of parts) {
    if (part.type !== 'file' || !part.toBuffer) continue; // plain form fields are ignored
    const data = await part.toBuffer();
    total += data.length;
    if (total > limits.maxBodyBytes) {
      fail('E_BODY_TOO_LARGE', `the form's files add up to more than ${limits.maxBodyBytes} bytes (--max-body); send fewer or smaller images per request`);
    }
    if (data.length === 0) fail('E_NO_IMAGE', `${cleanName(part.filename, part.fieldname)}: the file part is empty`);
    uploads.push({ name: cleanName(part.filename, `part${uploads.length + 1}`), data });
  }
  if (uploads.length === 0) fail('E_NO_IMAGE', 'the form holds no file; add the images as file parts of the multipart/form-data body');
  return uploads;
}
