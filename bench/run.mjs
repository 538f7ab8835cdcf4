#!/usr/bin/env node
// `npm run bench`: images/s of the notebook's two-branch model (color CNN + VGG16 type branch)
// for inference, a phase-1 and a phase-2 training step, in one run on one machine, for
// branchnet's engine and for its peers (PyTorch; onnxruntime for inference). See bench/README.md.
// Every engine and mode runs in its own child process, so each peak RSS (VmHWM) is its own.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from './guard.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const HELP = `usage: npm run bench -- [options]      (or: node bench/run.mjs [options], after npm run build)

  --quick               small size: 96x80, batch 8, 3 timed iterations, 1 warm-up, idle wait 2 s
  --modes LIST          of infer,p1,p2 (default: all)
  --iters N             timed iterations per mode; the median is reported (default 5; quick 3)
  --warmup N            untimed iterations first (default 2; quick 1)
  --height H --width W  input size (default 160x128, the notebook's)
  --batch N             batch size (default 20, the notebook's)
  --threads N           threads for every engine (default os.availableParallelism())
  --python PATH         python with torch + torchvision (default: python3, then /usr/bin/python3)
  --torch-fmt FMT       PyTorch memory format: default (NCHW) or cl (channels_last)
  --peak-gflops G       machine FP32 peak for "% of peak" (default: threads x 3.1 GHz x 32 FLOP/cycle)
  --idle-wait S         before each timed iteration, wait up to S s for an idle machine (default 10; quick 2; 0: never)
  --idle-thresh F       "idle" = whole machine less than F busy over 0.3 s (default 0.1)
  --timeout S           give up on one engine+mode after S s (default 1800)
  --malloc MODE         tuned (default): every child runs with MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1e11, so glibc
                        keeps freed memory instead of unmapping it (PyTorch's big activations otherwise page-fault
                        anew on every step); default: the environment as it is
  --json FILE           write one JSON line per mode to FILE (overwritten)
  --schedule            time the notebook's whole training schedule instead (--schedule --help for its options)
  --help`;

let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(`${e.message}\n\n${HELP}`);
  process.exit(2);
}
if (args.schedule) {
  // The notebook's whole schedule, end to end in one process per engine: bench/schedule.mjs.
  const { runSchedule } = await import('./schedule.mjs');
  process.exit(await runSchedule(args, process.argv.slice(2)));
}
if (args.help) { console.log(HELP); process.exit(0); }
const known = ['quick', 'modes', 'iters', 'warmup', 'height', 'width', 'batch', 'threads', 'python', 'torch-fmt', 'peak-gflops', 'idle-wait', 'idle-thresh', 'timeout', 'malloc', 'json', 'help'];
for (const k of Object.keys(args)) {
  if (!known.includes(k)) { console.error(`unknown option --${k}\n\n${HELP}`); process.exit(2); }
}
const quick = args.quick === true;
function num(key, dflt, { int = true, min = int ? 1 : 0 } = {}) {
  if (args[key] === undefined) return dflt;
  const v = Number(args[key]);
  if (!Number.isFinite(v) || (int && !Number.isInteger(v)) || v < min) {
    console.error(`--${key}: expected ${int ? 'an integer' : 'a number'} >= ${min}, received ${JSON.stringify(args[key])}`);
    process.exit(2);
  }
  return v;
}
const H = num('height', quick ? 96 : 160), W = num('width', quick ? 80 : 128), B = num('batch', quick ? 8 : 20);
const iters = num('iters', quick ? 3 : 5), warmup = num('warmup', quick ? 1 : 2, { min: 0 });
const threads = num('threads', os.availableParallelism());
const idleWait = num('idle-wait', quick ? 2 : 10, { int: false }), idleThresh = num('idle-thresh', 0.1, { int: false });
const timeoutS = num('timeout', 1800, { int: false, min: 1 });
const modes = String(args.modes ?? 'infer,p1,p2').split(',').map((m) => m.trim()).filter(Boolean);
for (const m of modes) if (!['infer', 'p1', 'p2'].includes(m)) { console.error(`--modes: "${m}" is not one of infer, p1, p2`); process.exit(2); }
const torchFmt = String(args['torch-fmt'] ?? 'default');
if (!['default', 'cl'].includes(torchFmt)) { console.error('--torch-fmt: expected default or cl'); process.exit(2); }
const mallocMode = String(args.malloc ?? 'tuned');
if (!['tuned', 'default'].includes(mallocMode)) { console.error('--malloc: expected tuned or default'); process.exit(2); }
const MALLOC_ENV = { MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: '100000000000' };
const childEnv = mallocMode === 'tuned' ? { ...process.env, ...MALLOC_ENV } : process.env;
const cores = os.availableParallelism();
const peakGiven = args['peak-gflops'] !== undefined;
const peakGflops = peakGiven ? num('peak-gflops', 0, { int: false, min: 0.001 }) : Math.min(threads, cores) * 3.1 * 32;
const jsonPath = args.json === undefined ? null : String(args.json);
if (args.json === true) { console.error('--json: expected a file name'); process.exit(2); }

const shq = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const argLine = process.argv.slice(2).map(shq).join(' ');
const command = `npm run bench${argLine ? ` -- ${argLine}` : ''}`;
const common = ['--height', H, '--width', W, '--batch', B, '--threads', threads, '--iters', iters, '--warmup', warmup, '--idle-wait', idleWait, '--idle-thresh', idleThresh].map(String);
const log = (s) => process.stderr.write(`[bench] ${s}\n`);

/** Run a child that prints `BENCH_RESULT {json}`; resolves to that object or { available: false, reason }. */
function child(cmd, argv, opts = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let out = '', err = '';
    let p;
    try {
      p = spawn(cmd, argv, { cwd: opts.cwd ?? path.join(here, '..'), env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      resolve({ available: false, reason: `${cmd}: ${e.message}` });
      return;
    }
    const timer = setTimeout(() => { err += `\n(killed after ${timeoutS} s: raise --timeout)`; p.kill('SIGKILL'); }, timeoutS * 1000);
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', (e) => { clearTimeout(timer); resolve({ available: false, reason: `${cmd}: ${e.code === 'ENOENT' ? 'not found' : e.message}` }); });
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      const lines = out.split('\n').filter((l) => l.startsWith('BENCH_RESULT '));
      const seconds = (performance.now() - t0) / 1000;
      if (code === 0 && lines.length) {
        resolve({ ...JSON.parse(lines.at(-1).slice('BENCH_RESULT '.length)), wall_s: seconds });
      } else {
        const tail = (err.trim() || out.trim()).split('\n').slice(-4).join(' | ');
        resolve({ available: false, reason: `${path.basename(cmd)} exited with ${signal ?? code}: ${tail.slice(-400)}` });
      }
    });
  });
}

/** The first python that imports torch and torchvision, or why none does. */
function findPython() {
  const tried = [];
  const candidates = args.python !== undefined ? [String(args.python)] : ['python3', '/usr/bin/python3'];
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch, torchvision; print(torch.__version__, torchvision.__version__)'], { encoding: 'utf8', timeout: 120_000 });
    if (r.error) { tried.push(`${py}: ${r.error.code === 'ENOENT' ? 'not found' : r.error.message}`); continue; }
    if (r.status === 0) return { python: py, version: r.stdout.trim().split(' ')[0] };
    tried.push(`${py}: ${(r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`)}`);
  }
  return { python: null, reason: tried.join('; ') };
}

// ------------------------------------------------------------------------------------------
const started = new Date();
const load0 = os.loadavg()[0];
log(`${H}x${W}, batch ${B}, ${threads} threads, modes ${modes.join(',')}, ${warmup} warm-up + ${iters} timed iterations each`);
const py = findPython();
log(py.python ? `PyTorch ${py.version} via ${py.python}` : `PyTorch peer skipped: ${py.reason}`);

const res = { ours: {}, ort: {}, torch: {}, onnx: null };
const runStart = performance.now();
for (const mode of modes) {
  const oursModes = mode === 'infer' ? ['infer-tfjs', 'infer-ort'] : [mode, `${mode}-ort`];
  for (const m of oursModes) {
    log(`branchnet ${m} ...`);
    const r = await child(process.execPath, [path.join(here, 'ours.mjs'), '--mode', m, ...common]);
    (m.endsWith('-ort') ? res.ort : res.ours)[mode] = r;
    log(`  ${r.available ? `${r.img_s.toFixed(2)} img/s, ${r.n_clean}/${r.iters} clean, rss ${r.rss_mb?.toFixed(0)} MB (${r.wall_s.toFixed(0)} s)` : `not available: ${r.reason}`}`);
  }
  if (mode === 'infer') {
    log('onnxruntime peer infer ...');
    res.onnx = await child(process.execPath, [path.join(here, 'onnx_peer.mjs'), ...common]);
    log(`  ${res.onnx.available ? `${res.onnx.img_s.toFixed(2)} img/s, ${res.onnx.n_clean}/${res.onnx.iters} clean (${res.onnx.wall_s.toFixed(0)} s)` : `not available: ${res.onnx.reason}`}`);
  }
  if (py.python) {
    log(`PyTorch ${mode} ...`);
    const r = await child(py.python, [path.join(here, 'torch_bench.py'), '--modes', mode, '--fmt', torchFmt, ...common], { cwd: here });
    res.torch[mode] = r;
    log(`  ${r.available === false ? `failed: ${r.reason}` : `${r.img_s.toFixed(2)} img/s, ${r.n_clean}/${r.iters} clean (${r.wall_s.toFixed(0)} s)`}`);
  } else {
    res.torch[mode] = { available: false, reason: py.reason };
  }
}
const totalS = (performance.now() - runStart) / 1000;

// ------------------------------------------------------------------------------------------
const ok = (r) => r && r.available !== false && Number.isFinite(r.img_s);
const fmt = (v, d = 2) => (v == null || !Number.isFinite(v) ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(d));
const cell = (r, mode, applies = true) => (!applies ? '' : !r ? '-' : ok(r) ? fmt(r.img_s) + (r.n_clean === 0 ? '*' : '') : 'n/a');
const pad = (s, n) => String(s).padEnd(n), lpad = (s, n) => String(s).padStart(n);

const be = Object.values(res.ours).find(ok)?.backend ?? Object.values(res.ort).find((r) => r?.backend)?.backend;
const backendName = be ? `${be.name}${be.name === 'wasm' ? `, ${be.threads} thread${be.threads === 1 ? '' : 's'}${be.simd ? ', SIMD' : ''}` : ''}` : 'unknown';
const torchVer = Object.values(res.torch).find(ok)?.version ?? py.version;

// best of our inference paths
let oursInfer = null;
if (modes.includes('infer')) {
  const cands = [res.ours.infer, res.ort.infer].filter(ok);
  oursInfer = cands.sort((x, y) => y.img_s - x.img_s)[0] ?? null;
}
// Ours = the faster of our two paths (pure TF.js, or onnxruntime for frozen layers / inference).
const oursOf = (mode) => (mode === 'infer' ? oursInfer : [res.ours[mode], res.ort[mode]].filter(ok).sort((x, y) => y.img_s - x.img_s)[0] ?? null);
const flopsOf = (mode) => oursOf(mode)?.flops_per_img ?? res.ours[mode]?.flops_per_img ?? (mode === 'infer' ? res.onnx?.flops_per_img : null) ?? null;

const L = [];
L.push(`branchnet bench: the notebook's two-branch model (color CNN + VGG16 type branch), ${H}x${W}, batch ${B}${quick ? ' (--quick)' : ''}`);
L.push(`machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${cores} cores available, ${os.platform()} ${os.release()}; node ${process.version}; load average ${load0.toFixed(2)} at start; ${started.toISOString()}`);
L.push(`ours: branchnet on tfjs ${be?.tfjs ?? '?'}, backend ${backendName}${be?.notes?.length ? ` (${be.notes.join('; ')})` : ''}`);
L.push(`peers: PyTorch ${py.python ? `${torchVer} via ${py.python}, ${threads} threads, ${torchFmt === 'cl' ? 'channels_last' : 'NCHW'}` : 'absent'}; onnxruntime-node ${ok(res.onnx) ? `${res.onnx.version}, ${threads} intra-op threads` : res.onnx ? 'absent' : 'not run'}`);
L.push(`memory: ${mallocMode === 'tuned' ? 'every engine runs with MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1e11 (glibc keeps freed memory; --malloc default to run as installed)' : 'the environment as it is (--malloc default)'}`);
L.push(`timing: ${warmup} warm-up iteration${warmup === 1 ? '' : 's'} excluded, median of ${iters}; before each timed iteration wait up to ${idleWait} s for an idle machine; iterations during which other processes used more than max(5% of the wall time, 0.02 s) of CPU are dropped (* = all were, figure disturbed)`);
L.push('');
const rows = [
  ['branchnet tfjs (' + (be?.name ?? '?') + ')', (m) => res.ours[m], () => true],
  ['branchnet + onnxruntime (export)', (m) => res.ort[m], () => true],
  ['PyTorch' + (torchVer ? ` ${torchVer}` : ''), (m) => res.torch[m], () => true],
  ['onnxruntime (same model, direct)', (m) => (m === 'infer' ? res.onnx : null), (m) => m === 'infer'],
];
const cols = ['infer', 'p1', 'p2'].filter((m) => modes.includes(m));
const W0 = 36, WC = 9;
L.push(pad('images/s', W0) + cols.map((c) => lpad(c, WC)).join('') + '   peak RSS MB (' + cols.join(' / ') + ')');
for (const [label, get, applies] of rows) {
  if (!cols.some(applies)) continue;
  const rs = cols.map((m) => (applies(m) ? get(m) : undefined));
  L.push(pad(label, W0) + cols.map((m, i) => lpad(cell(rs[i], m, applies(m)), WC)).join('') + '   ' +
    cols.map((m, i) => (applies(m) ? (ok(rs[i]) ? fmt(rs[i].rss_mb, 0) : '-') : '')).filter((s, i) => applies(cols[i])).join(' / '));
}
L.push('');
L.push('ratios (ours ÷ peer, images/s; > 1 means branchnet is faster):');
const lines = [];
for (const m of cols) {
  const ours = oursOf(m), pt = ok(res.torch[m]) ? res.torch[m] : null;
  const on = m === 'infer' && ok(res.onnx) ? res.onnx : null;
  const ratio = ours && pt ? ours.img_s / pt.img_s : null;
  const ratioOrt = ours && on ? ours.img_s / on.img_s : null;
  const tj = m === 'infer' && ours?.mode === 'infer-ort' && ok(res.ours.infer) ? res.ours.infer : null;
  const which = m === 'infer' && ours ? ` (ours = best path: ${ours.mode === 'infer-ort' ? 'onnxruntime via branchnet export' : 'tfjs'}` +
    (tj ? `; tfjs alone: ÷ PyTorch ${pt ? (tj.img_s / pt.img_s).toFixed(3) : 'n/a'}, ÷ onnxruntime ${on ? (tj.img_s / on.img_s).toFixed(3) : 'n/a'}` : '') + ')' : '';
  L.push(`  ${pad(m, 6)} ÷ PyTorch ${lpad(ratio == null ? (!ours ? 'n/a (ours failed)' : py.python ? 'n/a (PyTorch failed)' : 'n/a (PyTorch absent)') : ratio.toFixed(3), 6)}` +
    (m === 'infer' ? `   ÷ onnxruntime ${ratioOrt == null ? 'n/a' : ratioOrt.toFixed(3)}` : '') +
    (m !== 'infer' && ours ? ` (ours = ${ours.mode.endsWith('-ort') ? 'frozen prefix on onnxruntime, the rest in TF.js, as branchnet train runs' : 'all in TF.js'})` : which));
  const fl = flopsOf(m);
  const gflops = ours && fl ? (fl * ours.img_s) / 1e9 : null;
  lines.push({
    mode: m, ours_img_s: ours?.img_s ?? null, ours_path: ours ? (ours.mode === 'infer-ort' ? 'onnxruntime via branchnet export' : ours.mode === 'infer-tfjs' ? 'tfjs' : ours.mode.endsWith('-ort') ? 'trainStep, frozen prefix on onnxruntime' : 'tfjs trainStep') : null,
    pytorch_img_s: pt?.img_s ?? null, ...(m === 'infer' ? { onnxruntime_img_s: on?.img_s ?? null, tfjs_img_s: ok(res.ours.infer) ? res.ours.infer.img_s : null, ours_onnxruntime_img_s: ok(res.ort.infer) ? res.ort.infer.img_s : null, ratio_onnxruntime: ratioOrt } : {}),
    ratio, gflops, pct_peak: gflops == null ? null : (100 * gflops) / peakGflops, peak_gflops: peakGflops, flops_per_img: fl,
    flops_convention: m === 'infer' ? '1x forward' : '3x forward of trainable layers + 1x forward of frozen layers',
    rss_mb: ours?.rss_mb ?? null, pytorch_rss_mb: pt?.rss_mb ?? null, ...(m === 'infer' ? { onnxruntime_rss_mb: on?.rss_mb ?? null } : {}),
    ours_n_clean: ours?.n_clean ?? null, pytorch_n_clean: pt?.n_clean ?? null, malloc: mallocMode,
    backend: be?.name ?? null, threads, height: H, width: W, batch: B, iters, warmup,
    cpu: os.cpus()[0]?.model ?? null, node: process.version, pytorch_version: pt?.version ?? null, command,
  });
}
L.push('');
L.push('GFLOP/s: FLOPs = 2 x multiply-adds of every Conv2D and Dense layer, from the model\'s layer shapes (bias, activations, pooling not counted);');
L.push('         inference = 1x forward; a training step = 3x forward of the layers that train in the phase + 1x forward of the frozen ones');
L.push(`peak: ${fmt(peakGflops, 1)} GFLOP/s FP32 ${peakGiven ? '(--peak-gflops)' : `assumed = ${Math.min(threads, cores)} cores x 3.1 GHz x 32 FLOP/cycle (AVX2: 2 FMA units x 8 lanes x 2); set --peak-gflops to change`}`);
L.push(pad('mode', 8) + lpad('GFLOP/img', 10) + lpad('ours GFLOP/s', 14) + lpad('% of peak', 11) + lpad('PyTorch GFLOP/s', 17) + lpad('onnxruntime GFLOP/s', 21));
for (const j of lines) {
  const f = j.flops_per_img;
  const g = (r) => (ok(r) && f ? fmt((f * r.img_s) / 1e9, 1) : '-');
  L.push(pad(j.mode, 8) + lpad(f ? (f / 1e9).toFixed(2) : '-', 10) + lpad(fmt(j.gflops, 1), 14) + lpad(j.pct_peak == null ? '-' : j.pct_peak.toFixed(1) + '%', 11) +
    lpad(g(res.torch[j.mode]), 17) + lpad(j.mode === 'infer' ? g(res.onnx) : '', 21));
}
const notes = [];
for (const [label, r] of [['branchnet onnxruntime path', res.ort.infer], ['onnxruntime peer', res.onnx], ...modes.map((m) => [`branchnet ${m}`, res.ours[m]])]) {
  if (r && !ok(r)) notes.push(`${label}: not available: ${r.reason}`);
}
if (!py.python) notes.push(`PyTorch peer skipped: ${py.reason}. Install: apt-get install -y python3-torch python3-torchvision (Debian), or pass --python PATH`);
else for (const m of modes) if (!ok(res.torch[m])) notes.push(`PyTorch ${m}: ${res.torch[m]?.reason}`);
const disturbed = [];
for (const [label, get] of [['branchnet', (m) => res.ours[m]], ['branchnet-ort', (m) => res.ort[m]], ['PyTorch', (m) => res.torch[m]], ['onnxruntime', (m) => (m === 'infer' ? res.onnx : null)]]) {
  for (const m of modes) {
    const r = get(m);
    if (ok(r) && r.n_clean < r.iters) disturbed.push(`${label} ${m} ${r.n_clean}/${r.iters}`);
  }
}
if (disturbed.length) notes.push(`other processes disturbed some iterations (clean/timed): ${disturbed.join(', ')}; medians use the clean ones (all, where none was clean: marked *)`);
let cpuFlags = '';
try { cpuFlags = /^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? ''; } catch { /* not Linux */ }
const overPeak = lines.flatMap((j) => [['ours', j.gflops], ['PyTorch', j.pytorch_img_s && j.flops_per_img ? (j.pytorch_img_s * j.flops_per_img) / 1e9 : null],
  ['onnxruntime', j.onnxruntime_img_s && j.flops_per_img ? (j.onnxruntime_img_s * j.flops_per_img) / 1e9 : null]]
  .filter(([, g]) => g != null && g > peakGflops).map(([who]) => `${who} ${j.mode}`));
if (/\bavx512f\b/.test(cpuFlags) && !peakGiven) {
  notes.push(`this CPU reports AVX-512 (avx512f), which oneDNN (PyTorch) and onnxruntime use: with two 512-bit FMA pipes its FP32 peak is up to 64 FLOP/cycle/core, 2x the assumed AVX2 figure; pass --peak-gflops for the real one (wasm SIMD is 128-bit)${overPeak.length ? `. Above the assumed peak: ${overPeak.join(', ')}` : ''}`);
} else if (overPeak.length) {
  notes.push(`above the ${peakGiven ? 'given' : 'assumed'} peak: ${overPeak.join(', ')}; the peak figure is too low for this machine (set --peak-gflops)`);
}
if (modes.includes('infer')) notes.push('the onnxruntime peer runs a hand-written NCHW ONNX graph of the same layers (bench/onnx_peer.mjs, one Conv node per convolution) in InferenceSession directly, on a graph branchnet did not export');
const winograd = process.env.BRANCHNET_WINOGRAD !== '0';
notes.push(winograd
  ? 'branchnet\'s onnxruntime path (infer, and the frozen prefix of p1/p2) exports VGG16\'s 3x3 convolutions with many channels (blocks 3-5) as Winograd F(4,3) (src/onnx/winograd.ts): 4x fewer multiplies there, so its GFLOP/s, counted from the direct convolution\'s FLOPs like every row, is an effective rate and can exceed the peak. BRANCHNET_WINOGRAD=0 npm run bench runs plain Conv nodes'
  : 'BRANCHNET_WINOGRAD=0: branchnet\'s onnxruntime path exports plain Conv nodes (the same graph shape as the onnxruntime peer)');
if (py.python) notes.push('PyTorch runs bench/torch_bench.py (adapted from ../shared/bench/torch_bench.py): the same layers in NCHW, softmax folded into the loss');
notes.push('peak RSS: VmHWM of each engine+mode\'s own process (model build included)');
L.push('');
L.push('notes:');
for (const n of notes) L.push(`  - ${n}`);
L.push(`total ${totalS.toFixed(0)} s; reproduce: ${command}`);
console.log(L.join('\n'));

if (jsonPath) {
  fs.writeFileSync(jsonPath, lines.map((j) => JSON.stringify(j)).join('\n') + '\n');
  console.log(`wrote ${lines.length} JSON line${lines.length === 1 ? '' : 's'} to ${jsonPath}`);
}
