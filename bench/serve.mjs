#!/usr/bin/env node
// `npm run bench:serve`: load on `branchnet serve` over loopback. Starts the built CLI as a child
// process on 127.0.0.1, sends N prediction requests (one PNG each, raw image/png body) with
// autocannon, and prints throughput, p50/p99 latency, errors, and the server's RSS and TF.js
// tensor count before and after (GET /v1/stats). Three runs of the same requests:
//   concurrent   16 connections, batching on (the defaults: 5 ms window, 32 images per pass)
//   no batching  16 connections, --max-batch 1 (one forward pass per image)
//   sequential   1 connection, one request at a time
// Without --model it trains a small model first (the quick preset's 96x80 scratch split model,
// a few steps on a tiny synthetic set; accuracy is irrelevant here, only the forward pass's cost).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { parseArgs } from './guard.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const HELP = `usage: npm run bench:serve -- [options]     (or: node bench/serve.mjs [options], after npm run build)

  --model DIR         model directory to serve (default: train a small 96x80 model into a temp folder)
  --requests N        requests per run (default 2000)
  --concurrency N     connections of the concurrent runs (default 16)
  --skip LIST         runs to skip, of concurrent,nobatch,sequential
  --threads N         onnxruntime / wasm threads of the server (default: all cores)
  --json FILE         also write the results as JSON
`;

const args = parseArgs(process.argv.slice(2));
if (args.help) { process.stdout.write(HELP); process.exit(0); }
const REQUESTS = Number(args.requests ?? 2000);
const CONCURRENCY = Number(args.concurrency ?? 16);
const skip = new Set(String(args.skip ?? '').split(',').filter(Boolean));
const cli = path.join(root, 'bin', 'branchnet.js');
if (!fs.existsSync(path.join(root, 'dist', 'cli', 'commands', 'serve.js'))) {
  process.stderr.write('bench/serve.mjs: dist/ is missing; run npm run build (npm run bench:serve does)\n');
  process.exit(2);
}
const lib = await import(path.join(root, 'dist', 'index.js'));

const log = (m) => process.stderr.write(`${m}\n`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'branchnet-bench-serve-'));

/** A small trained model and a few test images to send. */
async function prepare() {
  const data = path.join(work, 'data');
  const t0 = performance.now();
  await lib.synthesize({ out: data, trainPerCombo: 12, testPerCombo: 2 });
  const images = fs.readdirSync(path.join(data, 'test')).flatMap((combo) =>
    fs.readdirSync(path.join(data, 'test', combo)).map((f) => path.join(data, 'test', combo, f)));
  if (args.model) return { modelDir: path.resolve(String(args.model)), images };
  await lib.initBackend({ threads: args.threads ? Number(args.threads) : undefined });
  const modelDir = path.join(work, 'model');
  await lib.train({
    data: path.join(data, 'train'), out: modelDir, log: () => {},
    config: {
      model: { height: 96, width: 80, backbone: { backbone: 'scratch' } },
      data: { batchSize: 8 },
      phases: [{ epochs: 1, stepsPerEpoch: 4, validationSteps: 1, learningRate: 3e-4 }, { epochs: 0 }],
    },
  });
  log(`trained a 96x80 scratch model in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${modelDir}`);
  return { modelDir, images };
}

/** Start `branchnet serve` and wait until it is ready. */
async function startServer(modelDir, extra) {
  const threads = args.threads ? ['--threads', String(args.threads)] : [];
  const child = spawn(process.execPath, [cli, 'serve', modelDir, '--port', '0', ...threads, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    const t = setInterval(() => {
      const m = / at (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stderr);
      if (m && stderr.includes('ready:')) { clearInterval(t); resolve(m[1]); }
    }, 50);
    exited.then((e) => { clearInterval(t); reject(new Error(`server exited (${JSON.stringify(e)}): ${stderr}`)); });
  });
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      const e = await exited;
      if (e.code !== 0) throw new Error(`server exited with ${JSON.stringify(e)} on SIGTERM: ${stderr}`);
    },
  };
}

const stats = async (url) => (await fetch(`${url}/v1/stats`)).json();

async function load(url, bodies, connections) {
  const r = await autocannon({
    url: `${url}/v1/predict`,
    connections,
    amount: REQUESTS,
    timeout: 60,
    requests: bodies.map((body) => ({ method: 'POST', headers: { 'content-type': 'image/png' }, body })),
  });
  return {
    requests: r.requests.total,
    errors: r.errors + r.timeouts + r.non2xx,
    seconds: r.duration,
    throughput: r.requests.total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
  };
}

async function run(name, modelDir, bodies, connections, extra = []) {
  const server = await startServer(modelDir, extra);
  try {
    // One warm request, so the first measured ones do not pay for lazy initialisation.
    await fetch(`${server.url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: bodies[0] }).then((r) => r.arrayBuffer());
    const before = await stats(server.url);
    const result = await load(server.url, bodies, connections);
    const after = await stats(server.url);
    // Other processes on the machine slow every figure; the 1-minute load average says how busy it was.
    const loadavg = os.loadavg()[0];
    const passes = after.batcher.passes - before.batcher.passes;
    return {
      name, connections, ...result, loadavg,
      imagesPerPass: passes ? (after.batcher.items - before.batcher.items) / passes : 0,
      // Share of the run's wall time the model was running a forward pass: near 100% = model-bound.
      modelBusy: (after.batcher.busyMs - before.batcher.busyMs) / 1000 / result.seconds,
      rssBefore: before.rssBytes, rssAfter: after.rssBytes, tensorsBefore: before.numTensors, tensorsAfter: after.numTensors,
      engine: (await (await fetch(`${server.url}/v1/model`)).json()).engine,
    };
  } finally {
    await server.stop();
  }
}

try {
  const { modelDir, images } = await prepare();
  const bodies = images.slice(0, 8).map((f) => fs.readFileSync(f));
  log(`serving ${modelDir}; ${REQUESTS} requests per run, bodies ${bodies.map((b) => b.length).join('/')} bytes (PNG ${lib.SYNTH_DEFAULTS.width}x${lib.SYNTH_DEFAULTS.height})`);
  const results = [];
  if (!skip.has('concurrent')) results.push(await run('concurrent, batching', modelDir, bodies, CONCURRENCY));
  if (!skip.has('nobatch')) results.push(await run('concurrent, --max-batch 1', modelDir, bodies, CONCURRENCY, ['--max-batch', '1']));
  if (!skip.has('sequential')) results.push(await run('sequential', modelDir, bodies, 1));
  const mb = (b) => `${(b / 1048576).toFixed(0)} MB`;
  const rows = results.map((r) => [
    r.name, String(r.connections), String(r.requests), String(r.errors), r.throughput.toFixed(1), `${r.p50}`, `${r.p99}`,
    r.imagesPerPass.toFixed(2), `${(100 * r.modelBusy).toFixed(0)}%`, `${mb(r.rssBefore)} → ${mb(r.rssAfter)}`, `${r.tensorsBefore} → ${r.tensorsAfter}`, r.loadavg.toFixed(1),
  ]);
  const header = ['run', 'conns', 'requests', 'errors', 'req/s', 'p50 ms', 'p99 ms', 'images/pass', 'model busy', 'server RSS', 'tensors', 'load avg'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  process.stdout.write(`engine ${results[0]?.engine}, ${os.availableParallelism()} cores, Node ${process.versions.node}\n`);
  process.stdout.write([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n');
  const conc = results.find((r) => r.name.startsWith('concurrent, batching'));
  const seq = results.find((r) => r.name === 'sequential');
  const nob = results.find((r) => r.name.includes('max-batch 1'));
  if (conc && seq) process.stdout.write(`batching at concurrency ${CONCURRENCY}: ${(conc.throughput / seq.throughput).toFixed(2)}x the throughput of one request at a time\n`);
  if (conc && nob) process.stdout.write(`batching vs --max-batch 1 at the same concurrency: ${(conc.throughput / nob.throughput).toFixed(2)}x\n`);
  if (args.json) fs.writeFileSync(String(args.json), JSON.stringify(results, null, 2));
  const errors = results.reduce((s, r) => s + r.errors, 0);
  if (errors > 0) { log(`${errors} request(s) failed`); process.exitCode = 1; }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
