/**
 * The HTTP routes of `branchnet serve`, as a Fastify app around one ModelHost:
 *
 *   POST /v1/predict   one image as the body (image/*) or up to maxFiles as multipart/form-data;
 *                      answers `branchnet predict --json`'s shape plus the model's name and hash
 *   GET  /v1/model     heads, vocabularies, input size, preprocessing, training summary, seen combos
 *   GET  /v1/stats     RSS, TF.js tensor count, batcher counters
 *   GET  /healthz      the process is alive (no key needed)
 *   GET  /readyz       the model is loaded and warmed up; 503 before (no key needed)
 *   GET  /model/<f>    model.json, weights.bin, branchnet.json of the model, read-only (for the page)
 *   GET  /             the browser page from dist/web/, or a note that it is not built
 *
 * Every upload is checked in this order, each refusal a 4xx with `{ error: { code, message } }`:
 * Content-Type (415), body size (413), magic bytes (415), header's pixel count (413), then
 * queue room (503 + Retry-After), decode (400). Decoding runs per request, concurrently; the
 * forward pass is shared between requests by the Batcher.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import { SERVE_DEFAULTS, fail, tf, type DecodedImage, type HeadPrediction } from '../index.js';
import { Batcher } from './batcher.js';
import { bearerChecker } from './auth.js';
import { errorBody, toHttpError, type ServeErrorCode } from './errors.js';
import { ModelHost, SERVED_MODEL_FILES } from './model_host.js';
import { addCors, addSecurityHeaders } from './security.js';
import { checkImage } from './sniff.js';
import { RAW_IMAGE_CONTENT_TYPE, readUploads, uploadKind } from './upload.js';
import { errorSchema, modelSchema, predictSchema } from './schemas.js';

/** What a server enforces; every field defaults to SERVE_DEFAULTS. */
export interface ServeSettings {
  maxFiles: number;
  maxBodyBytes: number;
  maxPixels: number;
  batchWindowMs: number;
  maxBatch: number;
  maxQueue: number;
  retryAfterSeconds: number;
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Bearer keys; null = no authentication. */
  apiKeys: string[] | null;
  /** The one origin CORS allows ('*' any); null = CORS off. */
  cors: string | null;
  /** Folder of the browser page; null = none; default `<package>/dist/web`. */
  webDir: string | null;
  /** Fastify's logger: false (tests), true or pino options (JSON lines on stdout). */
  logger: boolean | { level: string };
}

/** The browser page's build folder: `<package root>/dist/web` (this file is src/serve/ or dist/serve/). */
export function defaultWebDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'web');
}

const OPEN_ROUTES = new Set(['/healthz', '/readyz']);

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>branchnet serve</title></head>
<body><h1>branchnet serve</h1>
<p>The browser page is not built (no dist/web/ in the package). The API works:
<a href="/v1/model">GET /v1/model</a> describes the model; POST images to /v1/predict.</p>
</body></html>
`;

/**
 * A Fastify app serving `host`'s model (loaded or not: /readyz says). It does not listen; use
 * `app.inject()` in tests or startServer() for a real port. Closing it drains the batcher and
 * releases the model.
 * @example const app = await buildServer(new ModelHost('runs/a'), { logger: false });
 */
export async function buildServer(host: ModelHost, options: Partial<ServeSettings> = {}): Promise<FastifyInstance> {
  const s: ServeSettings = {
    ...SERVE_DEFAULTS, apiKeys: null, cors: null, webDir: defaultWebDir(), logger: false,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  };
  const limits = { maxFiles: s.maxFiles, maxBodyBytes: s.maxBodyBytes };
  const batcher = new Batcher<DecodedImage, Record<string, HeadPrediction>>((images) => host.predict(images), {
    windowMs: s.batchWindowMs, maxBatch: s.maxBatch, maxQueue: s.maxQueue,
  });

  const app = Fastify({
    logger: s.logger as FastifyServerOptions['logger'],
    bodyLimit: s.maxBodyBytes,
    requestTimeout: s.requestTimeoutMs,
    connectionTimeout: s.connectionTimeoutMs,
    keepAliveTimeout: s.keepAliveTimeoutMs,
    // Node checks request timeouts every connectionsCheckingInterval (30 s by default): often
    // enough that a slow client is cut near requestTimeout, not up to 30 s later.
    http: {
      requestTimeout: s.requestTimeoutMs,
      headersTimeout: Math.min(s.requestTimeoutMs, 60_000),
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(s.requestTimeoutMs / 4))),
    },
    // Our own 503 while closing (below), in the service's error shape.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket) {
      // Malformed HTTP or a client too slow to send its request: Node never hands these to a route.
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      const [status, reason, code, message]: [number, string, ServeErrorCode, string] = err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'E_TIMEOUT', `the request did not arrive in full within ${s.requestTimeoutMs} ms; send it faster or in smaller parts`]
        : [400, 'Bad Request', 'E_BAD_REQUEST', 'malformed HTTP request'];
      const body = JSON.stringify(errorBody(code, message));
      if (socket.writable) {
        socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      }
      socket.destroy();
    },
  });

  addSecurityHeaders(app);
  // Once close() starts, requests on connections still open get 503 and the connection closes;
  // requests already in flight finish normally.
  let closing = false;
  app.addHook('preClose', async () => { closing = true; });
  app.addHook('onRequest', async (req, reply) => {
    if (!closing || req.url.split('?')[0] === '/healthz') return;
    reply.header('connection', 'close');
    fail('E_NOT_READY', 'the server is shutting down; retry after the time in Retry-After, on a new connection');
  });
  if (s.cors) addCors(app, s.cors);
  if (s.apiKeys) {
    const check = bearerChecker(s.apiKeys);
    app.addHook('onRequest', async (req, reply) => {
      if (OPEN_ROUTES.has(req.url.split('?')[0])) return;
      if (!check(req.headers.authorization)) {
        reply.header('www-authenticate', 'Bearer realm="branchnet"');
        fail('E_UNAUTHORIZED', req.headers.authorization ? 'the API key is not valid; send Authorization: Bearer <key> with a key from --api-key-file' : 'this server needs an API key; send Authorization: Bearer <key>');
      }
    });
  }

  app.setErrorHandler((err, req, reply) => {
    const { status, body, internal } = toHttpError(err, limits);
    if (internal) req.log.error({ err }, 'internal error');
    else req.log.info({ code: body.error.code }, body.error.message);
    if (body.error.code === 'E_QUEUE_FULL' || body.error.code === 'E_NOT_READY') reply.header('retry-after', String(s.retryAfterSeconds));
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody('E_NOT_FOUND', `${req.method} ${req.url.split('?')[0]}: no such route; see GET /v1/model and POST /v1/predict`)));

  // Raw uploads arrive as one Buffer, at most maxBodyBytes (Fastify answers 413 beyond it).
  app.addContentTypeParser(RAW_IMAGE_CONTENT_TYPE, { parseAs: 'buffer', bodyLimit: s.maxBodyBytes }, (_req, body, done) => done(null, body));
  await app.register(fastifyMultipart, { limits: { fileSize: s.maxBodyBytes, files: s.maxFiles }, throwFileSizeLimit: true });

  app.addHook('onClose', async () => {
    await batcher.drain();
    await host.dispose();
  });

  app.get('/healthz', { schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' }, model: { type: 'object', properties: { name: { type: 'string' }, sha256: { type: 'string' } } } } }, '5xx': errorSchema } } }, async () => {
    if (!host.ready) fail('E_NOT_READY', 'the model is loading and warming up; retry after the time in Retry-After');
    return { status: 'ready', model: host.identity };
  });

  app.get('/v1/model', { schema: { response: { 200: modelSchema, '4xx': errorSchema, '5xx': errorSchema } } }, async () => {
    const d = host.describe();
    if (!d || !host.ready) fail('E_NOT_READY', 'the model is loading and warming up; retry after the time in Retry-After');
    return d;
  });

  app.get('/v1/stats', async () => {
    const mem = process.memoryUsage();
    return { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, numTensors: tf.memory().numTensors, ready: host.ready, batcher: batcher.stats, model: host.identity };
  });

  app.post('/v1/predict', {
    schema: { response: { 200: predictSchema, '4xx': errorSchema, '5xx': errorSchema } },
    // Before the body is read: refuse what cannot succeed (wrong type, declared too big, not ready).
    onRequest: async (req) => {
      uploadKind(req.headers['content-type']);
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > s.maxBodyBytes) {
        fail('E_BODY_TOO_LARGE', `request body of ${declared} bytes is larger than ${s.maxBodyBytes} (--max-body); send a smaller image or fewer per request`);
      }
      if (!host.ready) fail('E_NOT_READY', 'the model is loading and warming up; retry after the time in Retry-After');
    },
  }, async (req) => {
    const uploads = await readUploads(req, limits);
    for (const u of uploads) await checkImage(u.data, { name: u.name, maxPixels: s.maxPixels });
    const admission = batcher.admit(uploads.length);
    try {
      const decoded = await Promise.allSettled(uploads.map((u) => host.decode(u.data, { name: u.name, limitInputPixels: s.maxPixels })));
      const failed = decoded.find((d) => d.status === 'rejected');
      if (failed) throw failed.reason;
      const heads = await batcher.submit(decoded.map((d) => (d as PromiseFulfilledResult<DecodedImage>).value));
      return { model: host.identity, predictions: uploads.map((u, i) => ({ path: u.name, heads: heads[i] })), failures: [] };
    } finally {
      admission.release();
    }
  });

  app.get<{ Params: { file: string } }>('/model/:file', async (req, reply) => {
    const file = req.params.file;
    if (!(SERVED_MODEL_FILES as readonly string[]).includes(file)) {
      fail('E_NOT_FOUND', `/model/${file}: not served; the model's files are ${SERVED_MODEL_FILES.map((f) => `/model/${f}`).join(', ')}`);
    }
    if (!host.ready) fail('E_NOT_READY', 'the model is loading and warming up; retry after the time in Retry-After');
    const identity = host.identity!;
    // The weights' hash names this exact model: a page can cache the files until it changes.
    const etag = `"${identity.sha256}-${file}"`;
    reply.header('etag', etag).header('cache-control', 'no-cache');
    if (req.headers['if-none-match'] === etag) return reply.code(304).send();
    const type = file.endsWith('.json') ? 'application/json; charset=utf-8' : 'application/octet-stream';
    return reply.type(type).send(fs.createReadStream(path.join(path.resolve(host.dir), file)));
  });

  if (s.webDir && fs.existsSync(path.join(s.webDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: path.resolve(s.webDir), prefix: '/', index: ['index.html'], list: false, dotfiles: 'ignore', wildcard: true });
  } else {
    app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT_PAGE));
  }
  return app;
}
