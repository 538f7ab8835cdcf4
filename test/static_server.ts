/**
 * What the browser test loads the page from: `branchnet serve` (`startPageServer`: the page at
 * `/`, the model at `model/…`, on 127.0.0.1, port 0), or the folder `branchnet export --format
 * web` writes, on a tiny static server of its own (`serveStatic`, as any static host would).
 * Not a test file itself.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { exportModel } from '../src/index.js';
import { startServer } from '../src/serve/index.js';

export interface PageServer {
  /** Base URL ending in '/', where index.html is served. */
  url: string;
  /** Paths requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** Serve the files of `root` (GET only, nothing outside it) on 127.0.0.1 at a free port. */
export async function serveStatic(root: string): Promise<PageServer> {
  const base = path.resolve(root);
  const requests: string[] = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url.pathname);
    const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(base, rel);
    if (req.method !== 'GET' || !file.startsWith(base + path.sep)) {
      res.writeHead(req.method !== 'GET' ? 405 : 403).end();
      return;
    }
    try {
      const body = await fs.readFile(file);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((e) => (e ? reject(e) : resolve()));
    }),
  };
}

/** The page for `modelDir`, as a static host would serve `branchnet export --format web`. */
export async function exportAndServe(modelDir: string, workDir: string): Promise<PageServer> {
  const site = path.join(workDir, 'site');
  await exportModel({ model: modelDir, format: 'web', out: site, overwrite: true });
  return serveStatic(site);
}

/** The page for `modelDir` as `branchnet serve` serves it (dist/web at `/`, the model under /model/). */
export async function startPageServer(modelDir: string): Promise<PageServer> {
  const running = await startServer({ model: modelDir, host: '127.0.0.1', port: 0, logger: false });
  await running.ready;
  const requests: string[] = [];
  running.app.server.on('request', (req: http.IncomingMessage) => requests.push(new URL(req.url ?? '/', 'http://127.0.0.1').pathname));
  return { url: `${running.url}/`, requests, close: () => running.close() };
}
