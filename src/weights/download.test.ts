import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BranchnetError } from '../core/errors.js';
import { cachedWeightsPath, cacheStatus, MANIFEST_NAME } from './cache.js';
import { downloadFile, getWeights, type GetWeightsOptions } from './download.js';
import type { WeightsEntry } from './registry.js';

// ---- a local server and fixture bytes ---------------------------------------------------------

interface Seen { url: string; range?: string }
interface Server { base: string; seen: Seen[]; close(): Promise<void> }
type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

const servers: http.Server[] = [];

async function serve(handler: Handler): Promise<Server> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', range: req.headers.range });
    handler(req, res, seen.length);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** Sends `data`, honouring `Range: bytes=N-` unless told not to; `dropAfter` bytes then kills the socket. */
function send(req: http.IncomingMessage, res: http.ServerResponse, data: Buffer, o: { range?: boolean; dropAfter?: number } = {}) {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  let body = data;
  if (m && o.range !== false) {
    const start = Number(m[1]);
    body = data.subarray(start);
    res.writeHead(206, { 'content-length': body.length, 'content-range': `bytes ${start}-${data.length - 1}/${data.length}`, etag: '"v1"' });
  } else {
    res.writeHead(200, { 'content-length': body.length, etag: '"v1"' });
  }
  if (o.dropAfter === undefined) {
    res.end(body);
    return;
  }
  res.write(body.subarray(0, o.dropAfter), () => setTimeout(() => res.socket?.destroy(), 20));
}

const md5 = (b: Buffer) => crypto.createHash('md5').update(b).digest('hex');
const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const DATA = crypto.randomBytes(300_000);

let tmp: string;
const fast: GetWeightsOptions = { backoff: () => 0, timeoutMs: 5000 };

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'branchnet-weights-'));
});
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); });
  fs.rmSync(tmp, { recursive: true, force: true });
});

const h5Entry = (url: string, over: Partial<WeightsEntry> = {}): WeightsEntry => ({
  name: 'fixture', aliases: ['fixture-notop'], description: 'test bytes', format: 'keras-h5', backbone: 'vgg16',
  url, path: 'fixture_notop.h5', size: DATA.length, checksum: { algo: 'md5', hex: md5(DATA) }, ...over,
});

async function rejection(p: Promise<unknown>): Promise<BranchnetError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(BranchnetError);
  return e as BranchnetError;
}

const weightsFiles = () => (fs.existsSync(path.join(tmp, 'weights')) ? fs.readdirSync(path.join(tmp, 'weights'), { recursive: true }).map(String) : []);

// ---- keras-h5: one file with a published md5 --------------------------------------------------

describe('getWeights, one file with a published checksum', () => {
  it('downloads, verifies md5, renames into place; a second get downloads nothing', async () => {
    const srv = await serve((req, res) => send(req, res, DATA));
    const registry = [h5Entry(`${srv.base}/w/fixture.h5`)];
    expect(cachedWeightsPath('fixture', { registry, cacheDir: tmp })).toBeNull();

    const r = await getWeights('fixture', { ...fast, registry, cacheDir: tmp });
    const dest = path.join(tmp, 'weights', 'fixture_notop.h5');
    expect(r.downloaded).toBe(true);
    expect(r.path).toBe(dest);
    expect(r.files[0]).toMatchObject({ bytes: DATA.length, checksum: { algo: 'md5', hex: md5(DATA) }, published: true });
    expect(fs.readFileSync(dest).equals(DATA)).toBe(true);
    expect(weightsFiles()).toEqual(['fixture_notop.h5']); // no .part, no manifest
    expect(cachedWeightsPath('fixture', { registry, cacheDir: tmp })).toBe(dest);
    expect(cachedWeightsPath('fixture-notop', { registry, cacheDir: tmp })).toBe(dest);

    const again = await getWeights('fixture-notop', { ...fast, registry, cacheDir: tmp });
    expect(again.downloaded).toBe(false);
    expect(again.path).toBe(dest);
    expect(srv.seen).toHaveLength(1);
  });

  it('--force downloads again over a verified copy', async () => {
    const srv = await serve((req, res) => send(req, res, DATA));
    const registry = [h5Entry(`${srv.base}/fixture.h5`)];
    await getWeights('fixture', { ...fast, registry, cacheDir: tmp });
    const r = await getWeights('fixture', { ...fast, registry, cacheDir: tmp, force: true });
    expect(r.downloaded).toBe(true);
    expect(srv.seen).toHaveLength(2);
    expect(cachedWeightsPath('fixture', { registry, cacheDir: tmp })).toBe(r.path);
  });

  it('a wrong checksum is rejected: E_DOWNLOAD naming URL, expected and received hash; nothing cached, no .part', async () => {
    const srv = await serve((req, res) => send(req, res, DATA));
    const url = `${srv.base}/fixture.h5`;
    const registry = [h5Entry(url, { checksum: { algo: 'md5', hex: '0123456789abcdef0123456789abcdef' } })];
    const e = await rejection(getWeights('fixture', { ...fast, registry, cacheDir: tmp }));
    expect(e.code).toBe('E_DOWNLOAD');
    expect(e.message).toContain(url);
    expect(e.message).toContain('md5 mismatch: expected 0123456789abcdef0123456789abcdef, received ' + md5(DATA));
    expect(e.message).toContain('nothing was cached');
    expect(weightsFiles()).toEqual([]);
    expect(cachedWeightsPath('fixture', { registry, cacheDir: tmp })).toBeNull();
    expect(srv.seen).toHaveLength(1); // a download from zero is not retried: the server sends those bytes
  });

  it('a file in the cache that does not verify is downloaded again', async () => {
    const srv = await serve((req, res) => send(req, res, DATA));
    const registry = [h5Entry(`${srv.base}/fixture.h5`)];
    fs.mkdirSync(path.join(tmp, 'weights'), { recursive: true });
    const dest = path.join(tmp, 'weights', 'fixture_notop.h5');
    fs.writeFileSync(dest, Buffer.alloc(DATA.length));
    expect(cacheStatus('fixture', { registry, cacheDir: tmp }).state).toBe('corrupt');
    expect(cachedWeightsPath('fixture', { registry, cacheDir: tmp })).toBeNull();
    const log: string[] = [];
    const r = await getWeights('fixture', { ...fast, registry, cacheDir: tmp, log: (m) => log.push(m) });
    expect(r.downloaded).toBe(true);
    expect(log.join('\n')).toMatch(/does not verify/);
    expect(cachedWeightsPath('fixture', { registry, cacheDir: tmp })).toBe(dest);
  });
});

// ---- interrupted transfers ------------------------------------------------------------------

describe('downloadFile, interrupted', () => {
  it('a dropped connection resumes with Range when the server answers 206', async () => {
    const srv = await serve((req, res, n) => send(req, res, DATA, n === 1 ? { dropAfter: 100_000 } : {}));
    const dest = path.join(tmp, 'a', 'f.h5');
    const log: string[] = [];
    const progress: number[] = [];
    const d = await downloadFile(`${srv.base}/f.h5`, dest, {
      ...fast, checksum: { algo: 'md5', hex: md5(DATA) }, log: (m) => log.push(m), onProgress: (got) => progress.push(got),
    });
    expect(fs.readFileSync(dest).equals(DATA)).toBe(true);
    expect(fs.existsSync(dest + '.part')).toBe(false);
    expect(d).toMatchObject({ resumed: true, requests: 2, verified: true, bytes: DATA.length });
    expect(srv.seen[0].range).toBeUndefined();
    expect(srv.seen[1].range).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(srv.seen[1].range!)![0])).toBeGreaterThan(0);
    expect(log.join('\n')).toMatch(/connection dropped after .* bytes.*retry 1\/3/);
    expect(progress.at(-1)).toBe(DATA.length);
  });

  it('a server that ignores Range (answers 200) restarts from zero', async () => {
    const srv = await serve((req, res, n) => send(req, res, DATA, { range: false, ...(n === 1 ? { dropAfter: 100_000 } : {}) }));
    const dest = path.join(tmp, 'f.h5');
    const log: string[] = [];
    const d = await downloadFile(`${srv.base}/f.h5`, dest, { ...fast, checksum: { algo: 'md5', hex: md5(DATA) }, log: (m) => log.push(m) });
    expect(fs.readFileSync(dest).equals(DATA)).toBe(true);
    expect(d).toMatchObject({ resumed: false, requests: 2 });
    expect(srv.seen[1].range).toMatch(/^bytes=\d+-$/);
    expect(log.join('\n')).toMatch(/ignored the Range request; downloading f\.h5 again from the start/);
  });

  it('a body that ends short (no error, fewer bytes than Content-Length) is resumed', async () => {
    const srv = await serve((req, res, n) => {
      if (n > 1) return send(req, res, DATA);
      res.writeHead(200, { 'content-length': DATA.length });
      res.write(DATA.subarray(0, 5000), () => setTimeout(() => res.socket?.end(), 20));
    });
    const dest = path.join(tmp, 'f.h5');
    const d = await downloadFile(`${srv.base}/f.h5`, dest, { ...fast, checksum: { algo: 'sha256', hex: sha256(DATA) } });
    expect(fs.readFileSync(dest).equals(DATA)).toBe(true);
    expect(d.resumed).toBe(true);
  });

  it('resumes a .part left by an earlier run', async () => {
    const srv = await serve((req, res) => send(req, res, DATA));
    const dest = path.join(tmp, 'f.h5');
    fs.writeFileSync(dest + '.part', DATA.subarray(0, 123_456));
    const d = await downloadFile(`${srv.base}/f.h5`, dest, { ...fast, checksum: { algo: 'md5', hex: md5(DATA) } });
    expect(srv.seen.map((s) => s.range)).toEqual(['bytes=123456-']);
    expect(d).toMatchObject({ resumed: true, requests: 1 });
    expect(fs.readFileSync(dest).equals(DATA)).toBe(true);
  });

  it('a stale .part that splices into a wrong file is downloaded once more from zero', async () => {
    const srv = await serve((req, res) => send(req, res, DATA));
    const dest = path.join(tmp, 'f.h5');
    fs.writeFileSync(dest + '.part', Buffer.alloc(1000, 7)); // not the first 1000 bytes of DATA
    const d = await downloadFile(`${srv.base}/f.h5`, dest, { ...fast, checksum: { algo: 'md5', hex: md5(DATA) } });
    expect(srv.seen.map((s) => s.range)).toEqual(['bytes=1000-', undefined]);
    expect(d.resumed).toBe(false);
    expect(fs.readFileSync(dest).equals(DATA)).toBe(true);
  });

  it('a .part that is already whole (416 with the same total) is verified without a body', async () => {
    const srv = await serve((req, res) => {
      res.writeHead(416, { 'content-range': `bytes */${DATA.length}` });
      res.end();
    });
    const dest = path.join(tmp, 'f.h5');
    fs.writeFileSync(dest + '.part', DATA);
    await downloadFile(`${srv.base}/f.h5`, dest, { ...fast, checksum: { algo: 'md5', hex: md5(DATA) } });
    expect(fs.readFileSync(dest).equals(DATA)).toBe(true);
  });

  it('retries exhausted: E_DOWNLOAD after 1 + retries requests; the .part is kept for the next run', async () => {
    const srv = await serve((req, res) => send(req, res, DATA, { range: false, dropAfter: 50_000 }));
    const dest = path.join(tmp, 'f.h5');
    const waits: number[] = [];
    const e = await rejection(downloadFile(`${srv.base}/f.h5`, dest, {
      ...fast, retries: 2, backoff: (a) => { waits.push(a); return 0; }, checksum: { algo: 'md5', hex: md5(DATA) },
    }));
    expect(e.code).toBe('E_DOWNLOAD');
    expect(e.message).toMatch(new RegExp(`^${srv.base}/f\\.h5: connection dropped after [\\d,]+ of 300,000 bytes .*\\(3 attempts\\)`));
    expect(e.message).toMatch(/kept in .*f\.h5\.part and the next run resumes them/);
    expect(srv.seen).toHaveLength(3);
    expect(waits).toEqual([1, 2]);
    expect(fs.existsSync(dest)).toBe(false);
    expect(fs.existsSync(dest + '.part')).toBe(true);
  });

  it('a download lock held by a live process is refused; one left by a dead process is taken over', async () => {
    const srv = await serve((req, res) => send(req, res, DATA));
    const dest = path.join(tmp, 'f.h5');
    fs.writeFileSync(dest + '.lock', String(process.pid));
    const e = await rejection(downloadFile(`${srv.base}/f.h5`, dest, fast));
    expect(e.code).toBe('E_DOWNLOAD');
    expect(e.message).toContain(`${dest} is being downloaded by another branchnet process (pid ${process.pid}, this one)`);
    expect(srv.seen).toHaveLength(0);

    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    fs.writeFileSync(dest + '.lock', String(dead));
    await downloadFile(`${srv.base}/f.h5`, dest, fast);
    expect(fs.readFileSync(dest).equals(DATA)).toBe(true);
    expect(fs.existsSync(dest + '.lock')).toBe(false);
  });

  it('two downloads of one file at once in one process: one is refused, the other completes', async () => {
    const srv = await serve((req, res) => send(req, res, DATA));
    const dest = path.join(tmp, 'f.h5');
    const both = await Promise.allSettled([downloadFile(`${srv.base}/f.h5`, dest, fast), downloadFile(`${srv.base}/f.h5`, dest, fast)]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = both.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((refused.reason as Error).message).toMatch(/being downloaded by another branchnet process/);
    expect(srv.seen).toHaveLength(1);
    expect(fs.readFileSync(dest).equals(DATA)).toBe(true);
  });

  it('a silent server times out and counts as a dropped connection', async () => {
    const srv = await serve((req, res, n) => {
      if (n > 1) return send(req, res, DATA);
      res.writeHead(200, { 'content-length': DATA.length });
      res.write(DATA.subarray(0, 1000)); // then nothing
    });
    const dest = path.join(tmp, 'f.h5');
    const log: string[] = [];
    await downloadFile(`${srv.base}/f.h5`, dest, { ...fast, timeoutMs: 300, checksum: { algo: 'md5', hex: md5(DATA) }, log: (m) => log.push(m) });
    expect(fs.readFileSync(dest).equals(DATA)).toBe(true);
    expect(log.join('\n')).toMatch(/no data for 0\.3 s; retry 1\/3/);
  });
});

// ---- HTTP answers ----------------------------------------------------------------------------

describe('downloadFile, HTTP answers', () => {
  it('follows redirects (relative and absolute, 301/302/307/308)', async () => {
    const srv = await serve((req, res) => {
      const hop: Record<string, [number, string]> = { '/a': [301, '/b'], '/b': [302, 'c'], '/c': [307, 'ABS/d'], '/d': [308, '/final.h5'] };
      const h = hop[req.url ?? ''];
      if (h) {
        res.writeHead(h[0], { location: h[1].replace('ABS', `http://${req.headers.host}`) });
        return res.end();
      }
      if (req.url === '/final.h5') return send(req, res, DATA);
      res.writeHead(404).end();
    });
    const dest = path.join(tmp, 'f.h5');
    await downloadFile(`${srv.base}/a`, dest, { ...fast, checksum: { algo: 'md5', hex: md5(DATA) } });
    expect(fs.readFileSync(dest).equals(DATA)).toBe(true);
    expect(srv.seen.map((s) => s.url)).toEqual(['/a', '/b', '/c', '/d', '/final.h5']);
  });

  it('more than 5 redirects is an error', async () => {
    const srv = await serve((req, res) => {
      res.writeHead(302, { location: `/r${Number((req.url ?? '/r0').slice(2)) + 1}` });
      res.end();
    });
    const e = await rejection(downloadFile(`${srv.base}/r0`, path.join(tmp, 'f'), fast));
    expect(e.code).toBe('E_DOWNLOAD');
    expect(e.message).toContain('more than 5 redirects');
    expect(srv.seen).toHaveLength(6);
  });

  it('an HTTP error status is a clear error and is not retried; 5xx is retried', async () => {
    const srv = await serve((req, res, n) => {
      if (req.url === '/missing.h5') return res.writeHead(404, 'Not Found').end();
      if (n <= 2) return res.writeHead(503, 'Service Unavailable').end();
      send(req, res, DATA);
    });
    const e = await rejection(downloadFile(`${srv.base}/missing.h5`, path.join(tmp, 'f'), fast));
    expect(e.code).toBe('E_DOWNLOAD');
    expect(e.message).toBe(`${srv.base}/missing.h5: answered HTTP 404 Not Found`);
    expect(srv.seen).toHaveLength(1);

    const log: string[] = [];
    await downloadFile(`${srv.base}/ok.h5`, path.join(tmp, 'g'), { ...fast, log: (m) => log.push(m) });
    expect(log.join('\n')).toContain('answered HTTP 503 Service Unavailable; retry 1/3');
    expect(fs.readFileSync(path.join(tmp, 'g')).equals(DATA)).toBe(true);
  });
});

// ---- proxies ---------------------------------------------------------------------------------

describe('downloadFile through a proxy', () => {
  const PROXY_VARS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'];

  /** Runs `fn` with exactly these proxy variables in process.env, then puts the old ones back. */
  async function withProxyEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
    const saved = Object.fromEntries(PROXY_VARS.map((k) => [k, process.env[k]]));
    for (const k of PROXY_VARS) delete process.env[k];
    Object.assign(process.env, vars);
    try {
      return await fn();
    } finally {
      for (const k of PROXY_VARS) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  }

  /** A forwarding HTTP proxy on 127.0.0.1: records each request line, forwards absolute-form GETs, refuses CONNECT. */
  async function proxy(): Promise<{ url: string; seen: string[] }> {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const target = new URL(req.url ?? '');
      const fwd = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.statusMessage, up.headers);
        up.pipe(res);
      });
      fwd.on('error', () => res.writeHead(502).end());
      req.pipe(fwd);
    });
    server.on('connect', (req, socket) => {
      seen.push(`CONNECT ${req.url}`);
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
  }

  it('an http:// URL goes through HTTP_PROXY as an absolute-form request', async () => {
    const srv = await serve((req, res) => send(req, res, DATA));
    const px = await proxy();
    const dest = path.join(tmp, 'f.h5');
    await withProxyEnv({ HTTP_PROXY: px.url }, () => downloadFile(`${srv.base}/w/f.h5`, dest, { ...fast, checksum: { algo: 'md5', hex: md5(DATA) } }));
    expect(fs.readFileSync(dest).equals(DATA)).toBe(true);
    expect(px.seen).toEqual([`GET ${srv.base}/w/f.h5`]);
    expect(srv.seen.map((s) => s.url)).toEqual(['/w/f.h5']);
  });

  it('NO_PROXY=127.0.0.1 reaches the server directly', async () => {
    const srv = await serve((req, res) => send(req, res, DATA));
    const px = await proxy();
    const dest = path.join(tmp, 'f.h5');
    await withProxyEnv({ HTTP_PROXY: px.url, NO_PROXY: '127.0.0.1' }, () => downloadFile(`${srv.base}/f.h5`, dest, fast));
    expect(fs.readFileSync(dest).equals(DATA)).toBe(true);
    expect(px.seen).toEqual([]);
    expect(srv.seen).toHaveLength(1);
  });

  it('an https:// URL asks HTTPS_PROXY for a tunnel to its host', async () => {
    const px = await proxy();
    const e = await withProxyEnv({ HTTPS_PROXY: px.url }, () => rejection(downloadFile('https://weights.branchnet-test.invalid/f.h5', path.join(tmp, 'f.h5'), { ...fast, retries: 0 })));
    expect(e.code).toBe('E_DOWNLOAD');
    expect(e.message).toContain('403');
    expect(px.seen).toEqual(['CONNECT weights.branchnet-test.invalid:443']);
  });
});

// ---- offline ---------------------------------------------------------------------------------

describe('getWeights offline', () => {
  async function closedPort(): Promise<number> {
    const s = http.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const { port } = s.address() as AddressInfo;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }

  it('connection refused: says what to download, where to put it, the expected hash, and --weights', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/keras/vgg16_notop.h5`;
    const registry = [h5Entry(url)];
    const e = await rejection(getWeights('fixture', { ...fast, registry, cacheDir: tmp, retries: 1 }));
    expect(e.code).toBe('E_DOWNLOAD');
    const dest = path.join(tmp, 'weights', 'fixture_notop.h5');
    expect(e.message).toContain('cannot download weights "fixture"');
    expect(e.message).toMatch(/could not connect to 127\.0\.0\.1:\d+ \(connect ECONNREFUSED/);
    expect(e.message).toContain('are you offline or behind a proxy?');
    expect(e.message).toContain(`download\n  ${url}\nand save it as\n  ${dest}\n`);
    expect(e.message).toContain(`Expected: 300,000 bytes, md5 ${md5(DATA)}`);
    expect(e.message).toContain('--weights <path>');
    expect(weightsFiles()).toEqual([]);
  });

  it('an unresolvable host gives the same advice', async () => {
    const url = 'http://branchnet-weights-test.invalid/vgg16_notop.h5';
    const e = await rejection(getWeights('fixture', { ...fast, registry: [h5Entry(url)], cacheDir: tmp, retries: 0 }));
    expect(e.code).toBe('E_DOWNLOAD');
    expect(e.message).toMatch(/could not connect to branchnet-weights-test\.invalid \(getaddrinfo (ENOTFOUND|EAI_AGAIN)/);
    expect(e.message).toContain(url);
    expect(e.message).toContain(path.join(tmp, 'weights', 'fixture_notop.h5'));
    expect(e.message).toContain(md5(DATA));
  });

  it('for a TF.js entry it names the folder and says there is no published checksum', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/m/model.json`;
    const registry: WeightsEntry[] = [{ name: 'm', description: '', format: 'tfjs-layers', backbone: 'mobilenet', url, path: 'm/model.json' }];
    const e = await rejection(getWeights('m', { ...fast, registry, cacheDir: tmp, retries: 0 }));
    expect(e.message).toContain(`download\n  ${url}\nand every shard file its weightsManifest lists (from ${url.replace('model.json', '')})\ninto the folder\n  ${path.join(tmp, 'weights', 'm')}${path.sep}\n`);
    expect(e.message).toContain('No published checksum: run branchnet weights get m afterwards to record their sha256.');
    expect(e.message).toContain('--weights <path>');
  });
});

// ---- TF.js layers: model.json + shards -------------------------------------------------------

describe('getWeights, a TF.js layers model', () => {
  const shard1 = crypto.randomBytes(40_000);
  const shard2 = crypto.randomBytes(25_000);
  const modelJson = (paths: string[]) => Buffer.from(JSON.stringify({
    format: 'layers-model', modelTopology: { class_name: 'Sequential' },
    weightsManifest: [{ paths: paths.slice(0, 1), weights: [] }, { paths: paths.slice(1), weights: [] }],
  }));

  function tfjsServer(paths: string[], drop?: string) {
    const files: Record<string, Buffer> = { '/m/v1/model.json': modelJson(paths), '/m/v1/group1-shard1of2.bin': shard1, '/m/v1/group1-shard2of2.bin': shard2 };
    let dropped = false;
    return serve((req, res) => {
      const f = files[req.url ?? ''];
      if (!f) return res.writeHead(404, 'Not Found').end();
      if (req.url === drop && !dropped) {
        dropped = true;
        return send(req, res, f, { dropAfter: 10_000 });
      }
      send(req, res, f);
    });
  }
  const entry = (base: string): WeightsEntry => ({ name: 'mobile', description: '', format: 'tfjs-layers', backbone: 'mobilenet', url: `${base}/m/v1/model.json`, path: 'mobile/model.json' });

  it('downloads model.json and every shard into one folder and records their sha256', async () => {
    const srv = await tfjsServer(['group1-shard1of2.bin', 'group1-shard2of2.bin'], '/m/v1/group1-shard2of2.bin');
    const registry = [entry(srv.base)];
    const r = await getWeights('mobile', { ...fast, registry, cacheDir: tmp });
    const dir = path.join(tmp, 'weights', 'mobile');
    expect(r.path).toBe(path.join(dir, 'model.json'));
    expect(r.files.map((f) => f.name)).toEqual(['model.json', 'group1-shard1of2.bin', 'group1-shard2of2.bin']);
    expect(fs.readFileSync(path.join(dir, 'group1-shard1of2.bin')).equals(shard1)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'group1-shard2of2.bin')).equals(shard2)).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(['group1-shard1of2.bin', 'group1-shard2of2.bin', 'model.json', MANIFEST_NAME]);
    expect(r.manifest).toBe(path.join(dir, MANIFEST_NAME));
    expect(fs.readFileSync(r.manifest!, 'utf8')).toBe(
      `${sha256(modelJson(['group1-shard1of2.bin', 'group1-shard2of2.bin']))}  model.json\n${sha256(shard1)}  group1-shard1of2.bin\n${sha256(shard2)}  group1-shard2of2.bin\n`);
    expect(r.notes.join('\n')).toContain('no published checksum; recorded sha256 of 3 files in ' + r.manifest);
    expect(srv.seen.map((s) => [s.url, s.range ?? ''])).toEqual([
      ['/m/v1/model.json', ''], ['/m/v1/group1-shard1of2.bin', ''], ['/m/v1/group1-shard2of2.bin', ''], ['/m/v1/group1-shard2of2.bin', expect.stringMatching(/^bytes=/)],
    ]);
    expect(cachedWeightsPath('mobile', { registry, cacheDir: tmp })).toBe(r.path);

    const again = await getWeights('mobile', { ...fast, registry, cacheDir: tmp });
    expect(again.downloaded).toBe(false);
    expect(srv.seen).toHaveLength(4);

    // a shard changed after the fact no longer matches its recorded sha256
    fs.writeFileSync(path.join(dir, 'group1-shard2of2.bin'), Buffer.alloc(25_000));
    expect(cacheStatus('mobile', { registry, cacheDir: tmp })).toMatchObject({ state: 'corrupt', detail: expect.stringContaining('recorded on first download') });
    expect(cachedWeightsPath('mobile', { registry, cacheDir: tmp })).toBeNull();
  });

  it('a failed shard leaves the entry incomplete; the next get fetches only what is missing', async () => {
    const paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
    let fail2 = true;
    const files: Record<string, Buffer> = { '/m/v1/model.json': modelJson(paths), '/m/v1/group1-shard1of2.bin': shard1, '/m/v1/group1-shard2of2.bin': shard2 };
    const srv = await serve((req, res) => {
      if (req.url === '/m/v1/group1-shard2of2.bin' && fail2) return res.writeHead(404, 'Not Found').end();
      send(req, res, files[req.url ?? '']);
    });
    const registry = [entry(srv.base)];
    const e = await rejection(getWeights('mobile', { ...fast, registry, cacheDir: tmp }));
    expect(e.code).toBe('E_DOWNLOAD');
    expect(e.message).toContain(`answered HTTP 404 Not Found\nTo install it by hand, download\n  ${srv.base}/m/v1/group1-shard2of2.bin\ninto the folder`);
    expect(cacheStatus('mobile', { registry, cacheDir: tmp }).state).toBe('partial');
    expect(cachedWeightsPath('mobile', { registry, cacheDir: tmp })).toBeNull();

    fail2 = false;
    srv.seen.length = 0;
    await getWeights('mobile', { ...fast, registry, cacheDir: tmp });
    expect(srv.seen.map((s) => s.url)).toEqual(['/m/v1/group1-shard2of2.bin']);
    expect(cachedWeightsPath('mobile', { registry, cacheDir: tmp })).not.toBeNull();
  });

  it.each([['../evil.bin'], ['/etc/evil.bin'], ['sub/evil.bin'], ['..']])('rejects a shard path %s (E_WEIGHTS) and writes nothing outside the folder', async (bad) => {
    const srv = await tfjsServer(['group1-shard1of2.bin', bad]);
    const registry = [entry(srv.base)];
    const e = await rejection(getWeights('mobile', { ...fast, registry, cacheDir: tmp }));
    expect(e.code).toBe('E_WEIGHTS');
    expect(e.message).toContain(`${JSON.stringify(bad)} is not a plain file name`);
    expect(e.message).toContain(`${srv.base}/m/v1/model.json`);
    expect(srv.seen.map((s) => s.url)).toEqual(['/m/v1/model.json']); // no shard fetched at all
    expect(weightsFiles().filter((f) => !fs.statSync(path.join(tmp, 'weights', f)).isDirectory())).toEqual([]);
    expect(cachedWeightsPath('mobile', { registry, cacheDir: tmp })).toBeNull();
  });

  it('files placed by hand are adopted: sha256 recorded, nothing downloaded', async () => {
    const dir = path.join(tmp, 'weights', 'mobile');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'model.json'), modelJson(['group1-shard1of2.bin', 'group1-shard2of2.bin']));
    fs.writeFileSync(path.join(dir, 'group1-shard1of2.bin'), shard1);
    fs.writeFileSync(path.join(dir, 'group1-shard2of2.bin'), shard2);
    const registry = [entry('http://127.0.0.1:9')];
    expect(cacheStatus('mobile', { registry, cacheDir: tmp }).state).toBe('unverified');
    expect(cachedWeightsPath('mobile', { registry, cacheDir: tmp })).toBeNull();
    const r = await getWeights('mobile', { ...fast, registry, cacheDir: tmp });
    expect(r.downloaded).toBe(false);
    expect(r.notes[0]).toMatch(/no published checksum; recorded sha256/);
    expect(cachedWeightsPath('mobile', { registry, cacheDir: tmp })).toBe(path.join(dir, 'model.json'));
  });
});

// ---- the CLI command -------------------------------------------------------------------------

describe('branchnet weights get', () => {
  it('prints where the file went, then that it is already cached', async () => {
    const { weightsCommand } = await import('../cli/commands/weights.js');
    const srv = await serve((req, res) => send(req, res, DATA));
    const registry = [h5Entry(`${srv.base}/fixture.h5`)];
    let out = '';
    let err = '';
    const io = { registry, stdout: { write: (s: string) => { out += s; } }, stderr: { write: (s: string) => { err += s; }, isTTY: false } };
    expect(await weightsCommand({ command: 'weights', action: 'get', name: 'fixture', cacheDir: tmp, force: false }, io)).toBe(0);
    const dest = path.join(tmp, 'weights', 'fixture_notop.h5');
    expect(out).toBe(`fixture: downloaded 300,000 bytes, md5 ${md5(DATA)} verified\n  ${dest}\ntrain with it: --weights ${dest}\n`);
    expect(err).toMatch(/fixture_notop\.h5: 0\.0 MB of 0\.3 MB \(0%\)\n[\s\S]*fixture_notop\.h5: 0\.3 MB of 0\.3 MB \(100%\)\n$/);

    out = '';
    await weightsCommand({ command: 'weights', action: 'get', name: 'fixture', cacheDir: tmp, force: false }, io);
    expect(out).toBe(`fixture: already cached and verified (300,000 bytes, md5 ${md5(DATA)} verified); nothing downloaded\n  ${dest}\ntrain with it: --weights ${dest}\n`);
    expect(srv.seen).toHaveLength(1);
  });

  it('for a TF.js model, says there is no published checksum and prints the recorded sha256', async () => {
    const { weightsCommand } = await import('../cli/commands/weights.js');
    const shard = crypto.randomBytes(1000);
    const json = Buffer.from(JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [] }] }));
    const srv = await serve((req, res) => send(req, res, req.url === '/m/model.json' ? json : shard));
    const registry: WeightsEntry[] = [{ name: 'm', description: '', format: 'tfjs-layers', backbone: 'mobilenet', url: `${srv.base}/m/model.json`, path: 'm/model.json' }];
    let out = '';
    const io = { registry, stdout: { write: (s: string) => { out += s; } }, stderr: { write: () => true, isTTY: false } };
    await weightsCommand({ command: 'weights', action: 'get', name: 'm', cacheDir: tmp, force: false }, io);
    const dir = path.join(tmp, 'weights', 'm');
    const manifest = path.join(dir, MANIFEST_NAME);
    expect(out).toBe([
      `m: downloaded 2 files, ${(json.length + 1000).toLocaleString('en-US')} bytes`,
      `  ${path.join(dir, 'model.json')}`,
      `no published checksum; recorded sha256 of 2 files in ${manifest}`,
      `  ${sha256(json)}  model.json`,
      `  ${sha256(shard)}  group1-shard1of1.bin`,
      `train with it: --weights ${path.join(dir, 'model.json')}`,
      '',
    ].join('\n'));
    out = '';
    await weightsCommand({ command: 'weights', action: 'get', name: 'm', cacheDir: tmp, force: false }, io);
    expect(out).toContain(`m: already cached and verified (2 files, ${(json.length + 1000).toLocaleString('en-US')} bytes, sha256 as recorded in ${manifest}); nothing downloaded\n`);
  });
});
