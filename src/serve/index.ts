/**
 * The HTTP service (`branchnet serve`), a thin client of the library's public API (src/index.ts):
 * routes (app.ts), the model it serves (model_host.ts), batching across callers (batcher.ts),
 * what an upload is (upload.ts, sniff.ts), API keys (auth.ts), CSP and CORS (security.ts),
 * errors as HTTP answers (errors.ts), and listening (server.ts).
 */
export { buildServer, defaultWebDir, type ServeSettings } from './app.js';
export { startServer, type ServeOptions, type RunningServer } from './server.js';
export { ModelHost, type ModelDescription, type ModelIdentity } from './model_host.js';
export { Batcher, type BatcherOptions, type BatcherStats } from './batcher.js';
export { readApiKeys, bearerChecker } from './auth.js';
export { sniffImageFormat, checkImage, type ImageFormat } from './sniff.js';
