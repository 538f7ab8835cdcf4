/**
 * Response headers that keep the browser page and the API safe to expose: a strict
 * Content-Security-Policy (scripts from this origin only, plus WebAssembly compilation for
 * TF.js's wasm backend; no inline code, no third-party requests, no framing), cross-origin
 * isolation (which also lets TF.js's wasm backend use threads), and CORS, off unless an origin is
 * given, for that one origin only, with OPTIONS preflights answered before authentication
 * (browsers never send credentials with a preflight).
 */
import type { FastifyInstance } from 'fastify';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every response. */
export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-embedder-policy', 'require-corp');
    if (!reply.hasHeader('cross-origin-resource-policy')) reply.header('cross-origin-resource-policy', 'same-origin');
    return payload;
  });
}

/**
 * CORS for one origin (`*` allows any). Must be added before the authentication hook, so that
 * preflights are answered without a key.
 */
export function addCors(app: FastifyInstance, origin: string): void {
  app.addHook('onRequest', async (req, reply) => {
    const from = req.headers.origin;
    const allowed = from !== undefined && (origin === '*' || from === origin);
    reply.header('vary', 'Origin');
    if (allowed) {
      reply.header('access-control-allow-origin', origin === '*' ? '*' : from);
      reply.header('access-control-expose-headers', 'Retry-After');
      // The model files are fetched cross-origin by a page elsewhere only with CORS.
      reply.header('cross-origin-resource-policy', 'cross-origin');
    }
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      if (allowed) {
        reply.header('access-control-allow-methods', 'GET, POST, OPTIONS');
        reply.header('access-control-allow-headers', 'Authorization, Content-Type');
        reply.header('access-control-max-age', '600');
      }
      return reply.code(204).send();
    }
  });
}
