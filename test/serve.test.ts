/**
 * `branchnet serve`: every route and every bad input, through Fastify's inject() on a tiny
 * untrained model (32x32, scratch backbone), plus real sockets for the slow-client timeout and,
 * in a child process of the built CLI, SIGTERM with a request in flight.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { initBackend } from '../src/core/backend.js';
import { resolveConfig } from '../src/core/defaults.js';
import { buildModel } from '../src/model/build.js';
import { saveModelDir } from '../src/io/model_dir.js';
import { Predictor } from '../src/eval/predict.js';
import { tf } from '../src/core/tf.js';
import { buildServer, type ServeSettings } from '../src/serve/app.js';
import { ModelHost } from '../src/serve/model_host.js';
import { startServer } from '../src/serve/server.js';
import { makeImage, tmpDir } from './fixtures.js';

const root = path.resolve(import.meta.dirname, '..');
const HEADS = [{ name: 'color', vocab: ['black', 'blue', 'red'] }, { name: 'type', vocab: ['dress', 'jeans', 'shirt'] }];

let work: string;
let modelDir: string;
const images: Record<string, Buffer> = {};
const apps: FastifyInstance[] = [];

/** An app on the shared model (each with its own host, so each can be closed on its own). */
async function app(settings: Partial<ServeSettings> = {}, opts: { load?: boolean; engine?: 'tfjs' | 'auto' } = {}): Promise<{ app: FastifyInstance; host: ModelHost }> {
  const host = new ModelHost(modelDir, { engine: opts.engine ?? 'auto', winograd: false });
  const a = await buildServer(host, { logger: false, webDir: null, ...settings });
  apps.push(a);
  if (opts.load ?? true) await host.load();
  return { app: a, host };
}

function multipart(files: { name: string; data: Buffer; type?: string }[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----branchnet${crypto.randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const f of files) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="${f.name}"\r\nContent-Type: ${f.type ?? 'image/png'}\r\n\r\n`));
    chunks.push(f.data, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** A PNG whose header declares width x height but whose data is a few bytes: a decompression bomb's header. */
function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.alloc(4096))), chunk('IEND', Buffer.alloc(0)),
  ]);
}

const post = (a: FastifyInstance, payload: Buffer, headers: Record<string, string> = { 'content-type': 'image/png' }) =>
  a.inject({ method: 'POST', url: '/v1/predict', payload, headers });

function expectError(res: { statusCode: number; json: () => unknown }, status: number, code: string): void {
  expect({ status: res.statusCode, code: (res.json() as { error?: { code?: string } }).error?.code }).toEqual({ status, code });
}

type HeadsOut = Record<string, { label: string; probability: number; probabilities: Record<string, number> }>;

function expectSameHeads(a: HeadsOut, b: HeadsOut): void {
  expect(Object.keys(a)).toEqual(Object.keys(b));
  for (const h of Object.keys(a)) {
    expect(a[h].label).toBe(b[h].label);
    for (const k of Object.keys(b[h].probabilities)) expect(Math.abs(a[h].probabilities[k] - b[h].probabilities[k])).toBeLessThan(1e-6);
  }
}

beforeAll(async () => {
  await initBackend();
  work = await tmpDir('branchnet-serve-');
  const config = resolveConfig({ model: { height: 32, width: 32, backbone: { backbone: 'scratch' } }, data: { holdOut: ['black_dress'] } });
  const model = buildModel(config.model, HEADS, 3);
  modelDir = path.join(work, 'tiny');
  const combos = { black_jeans: 4, blue_dress: 4, red_shirt: 4, black_dress: 2 };
  const history = { phases: [{ name: 'phase1', epochs: 1, seconds: 1, imagesPerSecond: 10, trainableParams: 1, history: { loss: [1.2], val_color_acc: [0.5], val_type_acc: [0.25] } }] };
  await saveModelDir(modelDir, model, { heads: HEADS, config, info: { data: { images: 14, train: 9, val: 3, heldOut: 2, combos }, seconds: 3.5 } }, history);
  model.dispose();
  for (const [name, color, type, seed] of [['a', 'black', 'dress', 1], ['b', 'red', 'jeans', 2], ['c', 'blue', 'shirt', 3], ['d', 'blue', 'dress', 4]] as const) {
    const file = path.join(work, 'img', `${name}.png`);
    await makeImage(file, color, type, { width: 40, height: 50, seed });
    images[name] = await fs.readFile(file);
  }
});

afterAll(async () => {
  for (const a of apps) await a.close();
  await fs.rm(work, { recursive: true, force: true });
});

describe('branchnet serve: predictions', () => {
  it('a raw image/png body gets predict --json\'s answer for that file, with the model name and its weights\' sha256', async () => {
    const { app: a } = await app();
    const res = await post(a, images.a);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const sha = crypto.createHash('sha256').update(await fs.readFile(path.join(modelDir, 'weights.bin'))).digest('hex');
    expect(body.model).toEqual({ name: 'tiny', sha256: sha });
    expect(body.failures).toEqual([]);
    expect(body.predictions.map((p: { path: string }) => p.path)).toEqual(['body']);
    const p = await Predictor.load(modelDir, { winograd: false });
    const { predictions } = await p.predictFiles([path.join(work, 'img', 'a.png')]);
    p.dispose();
    expectSameHeads(body.predictions[0].heads, predictions[0].heads as HeadsOut);
    expect(Object.values(body.predictions[0].heads.color.probabilities as Record<string, number>).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
  });

  it('Predictor.predictBuffers gives predictFiles\' results for the same bytes, and names a corrupt buffer in failures', async () => {
    const p = await Predictor.load(modelDir, { winograd: false });
    try {
      const files = await p.predictFiles([path.join(work, 'img', 'b.png'), path.join(work, 'img', 'c.png')]);
      const bufs = await p.predictBuffers([{ name: 'b', data: images.b }, { name: 'broken', data: images.c.subarray(0, 60) }, { name: 'c', data: images.c }]);
      expect(bufs.predictions.map((x) => x.path)).toEqual(['b', 'c']);
      expect(bufs.failures.map((f) => f.path)).toEqual(['broken']);
      expect(bufs.failures[0].error).toMatch(/^broken: cannot decode as an image/);
      bufs.predictions.forEach((x, i) => expectSameHeads(x.heads as HeadsOut, files.predictions[i].heads as HeadsOut));
    } finally {
      p.dispose();
    }
  });

  it('multipart/form-data with 2 images answers both, named by their file names', async () => {
    const { app: a } = await app();
    const { payload, headers } = multipart([{ name: 'a.png', data: images.a }, { name: 'b.png', data: images.b }]);
    const res = await post(a, payload, headers);
    expect(res.statusCode).toBe(200);
    const preds = res.json().predictions as { path: string; heads: HeadsOut }[];
    expect(preds.map((p) => p.path)).toEqual(['a.png', 'b.png']);
    expect(Object.keys(preds[1].heads)).toEqual(['color', 'type']);
    expect(HEADS[1].vocab).toContain(preds[1].heads.type.label);
  });

  it('concurrent requests share forward passes (fewer passes than requests), with the one-at-a-time results within 1e-6', async () => {
    const { app: a } = await app({ batchWindowMs: 100, maxBatch: 16 });
    const order = ['a', 'b', 'c', 'd', 'a', 'b', 'c', 'd'];
    const alone: HeadsOut[] = [];
    for (const k of order.slice(0, 4)) alone.push((await post(a, images[k])).json().predictions[0].heads);
    const before = (await a.inject({ url: '/v1/stats' })).json().batcher;
    const together = await Promise.all(order.map((k) => post(a, images[k])));
    const after = (await a.inject({ url: '/v1/stats' })).json().batcher;
    expect(together.map((r) => r.statusCode)).toEqual(order.map(() => 200));
    expect(after.items - before.items).toBe(8);
    expect(after.passes - before.passes).toBeLessThan(8);
    expect(after.largestPass).toBeGreaterThan(1);
    together.forEach((r, i) => expectSameHeads(r.json().predictions[0].heads, alone[i % 4]));
  });
});

describe('branchnet serve: bad input is a 4xx with a code, and the server keeps serving', () => {
  let a: FastifyInstance;
  beforeAll(async () => { a = (await app()).app; });

  it('more files than --max-files: 400 E_TOO_MANY_FILES', async () => {
    const { payload, headers } = multipart(Array.from({ length: 17 }, (_, i) => ({ name: `${i}.png`, data: images.c })));
    expectError(await post(a, payload, headers), 400, 'E_TOO_MANY_FILES');
  });

  it('a text file sent as image/png: 415 E_NOT_IMAGE (the bytes are sniffed, not the Content-Type)', async () => {
    const res = await post(a, Buffer.from('name,color\nshirt,blue\n'));
    expectError(res, 415, 'E_NOT_IMAGE');
    expect(res.json().error.message).toBe('body: not an image (first bytes 6e 61 6d 65 2c 63 6f 6c); expected JPEG, PNG, GIF, WebP, TIFF or AVIF data, whatever the Content-Type or file name say');
  });

  it('the same text file as a multipart part named .png: 415 E_NOT_IMAGE naming the part', async () => {
    const { payload, headers } = multipart([{ name: 'a.png', data: images.a }, { name: 'notes.png', data: Buffer.from('hello') }]);
    const res = await post(a, payload, headers);
    expectError(res, 415, 'E_NOT_IMAGE');
    expect(res.json().error.message).toMatch(/^notes\.png: not an image/);
  });

  it('a truncated PNG: 400 E_IMAGE_DECODE', async () => {
    expectError(await post(a, images.a.subarray(0, Math.floor(images.a.length / 2))), 400, 'E_IMAGE_DECODE');
  });

  it('a body over --max-body (10 MB by default): 413 E_BODY_TOO_LARGE', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024 + 1);
    images.a.copy(big);
    expectError(await post(a, big), 413, 'E_BODY_TOO_LARGE');
  });

  it('multipart files adding up to more than --max-body: 413 E_BODY_TOO_LARGE', async () => {
    const { app: small } = await app({ maxBodyBytes: images.a.length + images.b.length - 1 });
    const { payload, headers } = multipart([{ name: 'a.png', data: images.a }, { name: 'b.png', data: images.b }]);
    // Declared too big: refused before the body is read.
    expectError(await post(small, payload, headers), 413, 'E_BODY_TOO_LARGE');
    // Not declared (a stream, no Content-Length): refused while reading the files.
    const streamed = await small.inject({ method: 'POST', url: '/v1/predict', payload: Readable.from([payload]), headers });
    expectError(streamed, 413, 'E_BODY_TOO_LARGE');
    expect(streamed.json().error.message).toMatch(/^the form's files add up to more than \d+ bytes/);
  });

  it('a PNG header declaring 20000x20000 pixels: 413 E_TOO_MANY_PIXELS, refused from the header', async () => {
    const bomb = pngClaiming(20000, 20000);
    expect(bomb.length).toBeLessThan(200);
    const res = await post(a, bomb);
    expectError(res, 413, 'E_TOO_MANY_PIXELS');
    expect(res.json().error.message).toBe('body: 20000x20000 = 400000000 pixels is more than 50000000 (--max-pixels); resize the image before sending it');
  });

  it('a JSON or text body, or none: 415 E_CONTENT_TYPE', async () => {
    expectError(await post(a, Buffer.from('{"image":"a.png"}'), { 'content-type': 'application/json' }), 415, 'E_CONTENT_TYPE');
    expectError(await post(a, Buffer.from('a.png'), { 'content-type': 'text/plain' }), 415, 'E_CONTENT_TYPE');
    expectError(await a.inject({ method: 'POST', url: '/v1/predict' }), 415, 'E_CONTENT_TYPE');
  });

  it('an empty image body or a form without files: 400 E_NO_IMAGE', async () => {
    expectError(await post(a, Buffer.alloc(0)), 400, 'E_NO_IMAGE');
    expectError(await post(a, ...Object.values(multipart([])) as [Buffer, Record<string, string>]), 400, 'E_NO_IMAGE');
  });

  it('an unknown route: 404 E_NOT_FOUND; and after all of the above the server still predicts', async () => {
    expectError(await a.inject({ url: '/v1/nope' }), 404, 'E_NOT_FOUND');
    expect((await post(a, images.b)).statusCode).toBe(200);
  });

  it('the TF.js tensor count does not grow over 20 requests, good and bad (engine tfjs)', async () => {
    const { app: t } = await app({}, { engine: 'tfjs' });
    await post(t, images.a);
    const before = tf.memory().numTensors;
    const bad = [images.a.subarray(0, 100), Buffer.from('text'), pngClaiming(20000, 20000)];
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await post(t, i % 4 === 3 ? bad[i % 3] : images[['a', 'b', 'c', 'd'][i % 4]])).statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(15);
    expect(tf.memory().numTensors).toBe(before);
    expect((await t.inject({ url: '/v1/stats' })).json().numTensors).toBe(before);
  });
});

describe('branchnet serve: readiness, queue, keys, CORS, files', () => {
  it('/readyz (and predict) answer 503 E_NOT_READY with Retry-After until the model is warmed up; /healthz 200 at once', async () => {
    const { app: a, host } = await app({}, { load: false });
    const notReady = await a.inject({ url: '/readyz' });
    expectError(notReady, 503, 'E_NOT_READY');
    expect(notReady.headers['retry-after']).toBe('1');
    expectError(await post(a, images.a), 503, 'E_NOT_READY');
    expect((await a.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    await host.load();
    const ready = await a.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().model.name).toBe('tiny');
  });

  it('a full queue: 503 E_QUEUE_FULL with Retry-After, and the admitted request still succeeds', async () => {
    const { app: a } = await app({ maxQueue: 1, maxFiles: 1, batchWindowMs: 300 });
    const res = await Promise.all([post(a, images.a), post(a, images.b), post(a, images.c)]);
    const statuses = res.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([200, 503, 503]);
    for (const r of res.filter((x) => x.statusCode === 503)) {
      expectError(r, 503, 'E_QUEUE_FULL');
      expect(r.headers['retry-after']).toBe('1');
    }
    const stats = (await a.inject({ url: '/v1/stats' })).json().batcher;
    expect([stats.refused, stats.admitted]).toEqual([2, 0]);
  });

  it('with --api-key-file: 401 E_UNAUTHORIZED without or with a wrong key, 200 with a right one; health checks open', async () => {
    const { app: a } = await app({ apiKeys: ['first-key', 'second-key'] });
    const noKey = await a.inject({ url: '/v1/model' });
    expectError(noKey, 401, 'E_UNAUTHORIZED');
    expect(noKey.headers['www-authenticate']).toBe('Bearer realm="branchnet"');
    expectError(await a.inject({ url: '/v1/model', headers: { authorization: 'Bearer first-kez' } }), 401, 'E_UNAUTHORIZED');
    expectError(await a.inject({ url: '/v1/model', headers: { authorization: 'first-key' } }), 401, 'E_UNAUTHORIZED');
    expectError(await post(a, images.a), 401, 'E_UNAUTHORIZED');
    expectError(await a.inject({ url: '/model/weights.bin' }), 401, 'E_UNAUTHORIZED');
    expect((await a.inject({ url: '/v1/model', headers: { authorization: 'Bearer second-key' } })).statusCode).toBe(200);
    expect((await post(a, images.a, { 'content-type': 'image/png', authorization: 'Bearer first-key' })).statusCode).toBe(200);
    expect((await a.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await a.inject({ url: '/readyz' })).statusCode).toBe(200);
  });

  it('CORS headers only with --cors, for that origin only; a preflight is answered without a key', async () => {
    const { app: off } = await app();
    const r0 = await off.inject({ url: '/v1/model', headers: { origin: 'https://shop.example' } });
    expect(r0.statusCode).toBe(200);
    expect(r0.headers['access-control-allow-origin']).toBeUndefined();
    const { app: on } = await app({ cors: 'https://shop.example', apiKeys: ['k'] });
    const r1 = await on.inject({ url: '/v1/model', headers: { origin: 'https://shop.example', authorization: 'Bearer k' } });
    expect(r1.headers['access-control-allow-origin']).toBe('https://shop.example');
    const r2 = await on.inject({ url: '/v1/model', headers: { origin: 'https://evil.example', authorization: 'Bearer k' } });
    expect(r2.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await on.inject({ method: 'OPTIONS', url: '/v1/predict', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-methods']).toBe('GET, POST, OPTIONS');
    expect(pre.headers['access-control-allow-headers']).toBe('Authorization, Content-Type');
  });

  it('GET /v1/model: heads, vocabularies, input size, preprocessing, training summary and the seen combinations (hold-outs excluded)', async () => {
    const { app: a } = await app();
    const m = (await a.inject({ url: '/v1/model' })).json();
    expect(m.heads).toEqual(HEADS);
    expect(m.input).toEqual({ height: 32, width: 32, channels: 3 });
    expect(m.preprocessing).toMatchObject({ mode: 'rescale', interpolation: 'nearest' });
    expect(m.seenCombos).toEqual(['black_jeans', 'blue_dress', 'red_shirt']);
    expect(m.training).toMatchObject({ arch: 'split', backbone: 'scratch', seconds: 3.5, data: { images: 14, train: 9, val: 3, heldOut: 2 } });
    expect(m.training.phases).toEqual([{ name: 'phase1', epochs: 1, finalValidation: { val_color_acc: 0.5, val_type_acc: 0.25 } }]);
    expect(m.engine).toMatch(/^(onnxruntime|tfjs)$/);
  });

  it('/model/ serves model.json, weights.bin and branchnet.json only: no other file, no listing, no traversal', async () => {
    const { app: a } = await app();
    const w = await a.inject({ url: '/model/weights.bin' });
    expect(w.statusCode).toBe(200);
    expect(w.rawPayload.equals(await fs.readFile(path.join(modelDir, 'weights.bin')))).toBe(true);
    expect(w.headers['content-type']).toBe('application/octet-stream');
    expect((await a.inject({ url: '/model/weights.bin', headers: { 'if-none-match': String(w.headers.etag) } })).statusCode).toBe(304);
    expect((await a.inject({ url: '/model/model.json' })).json().format).toBe('layers-model');
    expect((await a.inject({ url: '/model/branchnet.json' })).json().heads).toEqual(HEADS);
    for (const url of ['/model/history.json', '/model/', '/model', '/model/..%2Fbranchnet.json', '/model/%2e%2e%2f%2e%2e%2fpackage.json', '/model/../package.json']) {
      expectError(await a.inject({ url }), 404, 'E_NOT_FOUND');
    }
  });

  it('/ serves the page from its folder with a strict CSP, or says the page is not built', async () => {
    const { app: none } = await app({ webDir: null });
    const r0 = await none.inject({ url: '/' });
    expect(r0.statusCode).toBe(200);
    expect(r0.body).toContain('The browser page is not built');
    const web = path.join(work, 'web');
    await fs.mkdir(web, { recursive: true });
    await fs.writeFile(path.join(web, 'index.html'), '<!doctype html><script src="app.js"></script>');
    await fs.writeFile(path.join(web, 'app.js'), 'console.log(1)');
    const { app: page } = await app({ webDir: web });
    const r1 = await page.inject({ url: '/' });
    expect(r1.statusCode).toBe(200);
    expect(r1.body).toContain('app.js');
    expect(r1.headers['content-security-policy']).toBe("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    expect((await page.inject({ url: '/app.js' })).body).toBe('console.log(1)');
    expectError(await page.inject({ url: '/nothing.js' }), 404, 'E_NOT_FOUND');
    expect((await page.inject({ url: '/v1/model' })).statusCode).toBe(200);
  });
});

describe('branchnet serve on real sockets', () => {
  it('a folder that is not a model fails with E_MODEL_DIR before any port is bound', async () => {
    await expect(startServer({ model: path.join(work, 'img'), port: 0, logger: false })).rejects.toMatchObject({
      code: 'E_MODEL_DIR', message: `${path.join(work, 'img', 'model.json')}: missing or unreadable; expected a branchnet model directory with model.json, weights.bin, branchnet.json (made by branchnet train)`,
    });
  });

  it('a client that sends its body too slowly gets 408 E_TIMEOUT', async () => {
    const { app: a } = await app({ requestTimeoutMs: 300 });
    await a.listen({ host: '127.0.0.1', port: 0 });
    const port = (a.server.address() as net.AddressInfo).port;
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.write(`POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\nContent-Length: ${images.a.length}\r\n\r\n`);
        sock.write(images.a.subarray(0, 16)); // and then nothing
      });
      let data = '';
      sock.on('data', (d) => { data += d.toString(); });
      sock.on('close', () => resolve(data));
      sock.on('error', reject);
      setTimeout(() => { sock.destroy(); reject(new Error(`no answer in 10 s; got ${JSON.stringify(data)}`)); }, 10_000);
    });
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).error.code).toBe('E_TIMEOUT');
  });

  it('the built CLI: prints its URL, serves, and on SIGTERM finishes the request in flight, then exits 0', async () => {
    expect(existsSync(path.join(root, 'dist/cli/commands/serve.js')), 'dist/ is missing: run npm run build').toBe(true);
    const child = spawn(process.execPath, [path.join(root, 'bin/branchnet.js'), 'serve', modelDir, '--port', '0', '--batch-window', '1500'], {
      cwd: work, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waitFor = (re: RegExp, where: () => string) => new Promise<RegExpExecArray>((resolve, reject) => {
      const t = setInterval(() => {
        const m = re.exec(where());
        if (m) { clearInterval(t); resolve(m); }
      }, 20);
      exited.then(() => { clearInterval(t); reject(new Error(`exited early: ${stderr}`)); });
    });
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    try {
      const url = (await waitFor(/ready: model tiny .* at (http:\/\/127\.0\.0\.1:\d+)/, () => stderr))[1];
      expect(stderr).toMatch(/^branchnet serve: listening on http:\/\/127\.0\.0\.1:\d+ \(no API key\); loading/);
      // The request waits 1.5 s in the batch window: SIGTERM arrives while it is in flight.
      const inFlight = fetch(`${url}/v1/predict`, { method: 'POST', body: new Uint8Array(images.a), headers: { 'content-type': 'image/png' } });
      await waitFor(/"url":"\/v1\/predict"/, () => stdout);
      child.kill('SIGTERM');
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect((await res.json()).predictions).toHaveLength(1);
      expect(await exited).toBe(0);
      expect(stderr).toContain('SIGTERM: stopping (finishing requests in flight)');
      expect(stderr).toMatch(/stopped\n$/);
      // JSON logs, one object a line.
      const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.some((l) => l.res?.statusCode === 200)).toBe(true);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
