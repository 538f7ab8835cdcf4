// `npm run bench -- --schedule`: the notebook's whole training schedule (default 10 + 5 epochs of
// 100 steps, batch 20, 20 validation steps after every epoch, augmentation on, VGG16 at 160x128)
// timed end to end, each engine in ONE process, on the default synthetic data set (generated
// into --data by `synthesize` when absent). Prints seconds per phase split into training steps,
// validation and the rest, training images/s, and PyTorch's figures and the ratio where it ran
// (bench/torch_schedule.py). See bench/README.md.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');

export const SCHEDULE_HELP = `usage: npm run bench -- --schedule [options]

  --epochs A,B          epochs of phase 1 and phase 2 (default 10,5, the notebook's)
  --steps N             training steps per epoch (default 100)
  --val-steps N         validation steps after every epoch (default 20)
  --batch N             batch size (default 20)
  --threads N           threads for every engine (default os.availableParallelism())
  --data DIR            synthetic data set folder (default runs/bench/synth; generated when absent; its train/ is used)
  --val-cache MODE      on (default), off (BRANCHNET_VAL_CACHE=0), or both: ours twice, to measure lever 1 of issue #15
  --no-torch            skip the PyTorch peer
  --python PATH         python with torch + torchvision (default: python3, then /usr/bin/python3)
  --timeout S           give up on one run after S s (default 3600)
  --malloc MODE         tuned (default): every run with MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1e11, as npm run bench does; default: as installed
  --json FILE           write every run's result as one JSON line to FILE (overwritten)
  --help

smoke run: npm run bench -- --schedule --epochs 1,1 --steps 5 --val-steps 5 --no-torch`;

const KNOWN = ['schedule', 'epochs', 'steps', 'val-steps', 'batch', 'threads', 'data', 'val-cache', 'no-torch', 'python', 'timeout', 'json', 'help', 'malloc'];

function run(cmd, argv, { env = process.env, cwd = root, timeoutS }) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let out = '', err = '';
    const p = spawn(cmd, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => { err += `\n(killed after ${timeoutS} s: raise --timeout)`; p.kill('SIGKILL'); }, timeoutS * 1000);
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', (e) => { clearTimeout(timer); resolve({ available: false, reason: `${cmd}: ${e.message}` }); });
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').filter((l) => l.startsWith('BENCH_RESULT ')).at(-1);
      const wall = (performance.now() - t0) / 1000;
      if (code === 0 && line) resolve({ ...JSON.parse(line.slice('BENCH_RESULT '.length)), wall_s: wall });
      else resolve({ available: false, reason: `${path.basename(cmd)} exited with ${signal ?? code}: ${(err.trim() || out.trim()).split('\n').slice(-4).join(' | ').slice(-400)}` });
    });
  });
}

function findPython(given) {
  const tried = [];
  for (const py of given ? [given] : ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import torch, torchvision; print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000 });
    if (r.status === 0) return { python: py, version: r.stdout.trim() };
    tried.push(`${py}: ${r.error ? r.error.code ?? r.error.message : (r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`)}`);
  }
  return { python: null, reason: tried.join('; ') };
}

/** Runs the schedule bench; returns the exit code. */
export async function runSchedule(args, argvLine) {
  if (args.help) { console.log(SCHEDULE_HELP); return 0; }
  for (const k of Object.keys(args)) if (!KNOWN.includes(k)) { console.error(`unknown option --${k} with --schedule\n\n${SCHEDULE_HELP}`); return 2; }
  const int = (k, d) => {
    if (args[k] === undefined) return d;
    const v = Number(args[k]);
    if (!Number.isInteger(v) || v < 1) { console.error(`--${k}: expected an integer >= 1, received ${JSON.stringify(args[k])}`); process.exit(2); }
    return v;
  };
  const epochs = String(args.epochs ?? '10,5');
  if (!/^\d+,\d+$/.test(epochs)) { console.error(`--epochs: expected A,B such as 10,5, received ${JSON.stringify(args.epochs)}`); return 2; }
  const steps = int('steps', 100), valSteps = int('val-steps', 20), batch = int('batch', 20);
  const threads = int('threads', os.availableParallelism()), timeoutS = int('timeout', 3600);
  const valCache = String(args['val-cache'] ?? 'on');
  if (!['on', 'off', 'both'].includes(valCache)) { console.error('--val-cache: expected on, off or both'); return 2; }
  const malloc = String(args.malloc ?? 'tuned');
  if (!['tuned', 'default'].includes(malloc)) { console.error('--malloc: expected tuned or default'); return 2; }
  const baseEnv = malloc === 'tuned' ? { ...process.env, MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: '100000000000' } : process.env;
  const dataRoot = path.resolve(root, String(args.data ?? 'runs/bench/synth'));
  const log = (s) => process.stderr.write(`[bench] ${s}\n`);
  const started = new Date();
  const load0 = os.loadavg()[0];

  // The default synthetic data set (cached: a second call reuses it).
  const { synthesize } = await import(new URL('../dist/synth/generate.js', import.meta.url));
  const syn = await synthesize({ out: dataRoot });
  log(`data: ${syn.cached ? 'reused' : 'generated'} ${path.relative(root, dataRoot) || dataRoot} (${syn.manifest.counts.train} training images) in ${syn.seconds.toFixed(1)} s`);
  const data = path.join(dataRoot, 'train');

  const common = ['--data', data, '--epochs', epochs, '--steps', String(steps), '--val-steps', String(valSteps), '--batch', String(batch), '--threads', String(threads)];
  const runs = [];
  for (const mode of valCache === 'both' ? ['on', 'off'] : [valCache]) {
    const env = { ...baseEnv, BRANCHNET_THREADS: String(threads) };
    if (mode === 'off') env.BRANCHNET_VAL_CACHE = '0'; else delete env.BRANCHNET_VAL_CACHE;
    log(`branchnet, validation cache ${mode} ...`);
    const r = await run(process.execPath, [path.join(here, 'schedule_ours.mjs'), ...common], { env, timeoutS });
    runs.push({ label: `branchnet (validation cache ${mode})`, ...r });
    log(r.available ? `  ${r.wall_s.toFixed(1)} s` : `  failed: ${r.reason}`);
  }
  const py = args['no-torch'] ? { python: null, reason: '--no-torch' } : findPython(args.python ? String(args.python) : undefined);
  if (py.python) {
    log(`PyTorch ${py.version} ...`);
    const r = await run(py.python, [path.join(here, 'torch_schedule.py'), ...common], { cwd: here, timeoutS, env: baseEnv });
    runs.push({ label: `PyTorch ${py.version}`, ...r });
    log(r.available ? `  ${r.wall_s.toFixed(1)} s` : `  failed: ${r.reason}`);
  } else {
    log(`PyTorch peer skipped: ${py.reason}`);
  }

  const f = (v, d = 1) => (v == null || !Number.isFinite(v) ? '-' : v.toFixed(d));
  const L = [];
  L.push(`branchnet bench --schedule: the notebook's schedule, ${epochs.replace(',', ' + ')} epochs of ${steps} steps, batch ${batch}, ${valSteps} validation steps after every epoch, augmentation on, VGG16 (untrained: no ImageNet file offline) at 160x128`);
  L.push(`machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores, ${threads} threads per engine; load average ${load0.toFixed(2)} at start; ${started.toISOString()}`);
  L.push(`memory: ${malloc === 'tuned' ? 'every run with MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1e11 (--malloc default: as installed)' : 'as installed'}`);
  L.push(`data: ${path.relative(root, data) || data}${runs[0]?.data ? ` (${runs[0].data.train} training, ${runs[0].data.val} validation images)` : ''}`);
  L.push('');
  L.push('run                                   phase     seconds   train s  train img/s   val s   other s');
  for (const r of runs) {
    if (!r.available) { L.push(`${r.label.padEnd(38)}failed: ${r.reason}`); continue; }
    for (const p of r.phases) {
      L.push(`${r.label.padEnd(38)}${p.name.padEnd(8)}${f(p.seconds).padStart(9)}${f(p.train_s).padStart(10)}${f(p.train_img_s, 2).padStart(13)}${f(p.val_s).padStart(8)}${f(p.other_s).padStart(10)}`);
    }
    L.push(`${r.label.padEnd(38)}${'total'.padEnd(8)}${f(r.wall_s).padStart(9)}   (process wall; setup ${f(r.setup_s)} s: data check, model build; peak RSS ${f(r.rss_mb / 1024, 2)} GB)`);
  }
  const ok = runs.filter((r) => r.available);
  const oursOn = ok.find((r) => r.fw === 'branchnet' && r.val_cache), oursOff = ok.find((r) => r.fw === 'branchnet' && !r.val_cache);
  const torch = ok.find((r) => r.fw === 'pytorch');
  const ours = oursOn ?? oursOff;
  L.push('');
  if (oursOn && oursOff) {
    const val = (r) => r.phases.reduce((s, p) => s + p.val_s, 0);
    L.push(`lever 1 (validation features once per phase): total ${f(oursOff.wall_s)} -> ${f(oursOn.wall_s)} s (${f(oursOff.wall_s / oursOn.wall_s, 3)}x); validation ${f(val(oursOff))} -> ${f(val(oursOn))} s`);
  }
  if (ours && torch) {
    L.push(`ratio PyTorch ÷ ours, process wall time (> 1 means branchnet is faster): ${f(torch.wall_s / ours.wall_s, 3)}` +
      ours.phases.map((p, i) => torch.phases[i] ? `; ${p.name} ${f(torch.phases[i].seconds / p.seconds, 3)} (training images/s ${f(p.train_img_s / torch.phases[i].train_img_s, 3)})` : '').join(''));
  } else {
    L.push(`ratio to PyTorch: n/a (${py.python ? 'PyTorch run failed' : `PyTorch not run: ${py.reason}`})`);
  }
  for (const r of ok) for (const n of r.notes ?? []) if (/validation features/.test(n)) L.push(`  ${r.label}: ${n}`);
  for (const r of ok) L.push(`  ${r.label}: final validation accuracy ${r.phases.at(-1) ? Object.entries(r.phases.at(-1).final).map(([k, v]) => `${k.replace(/^val_|_acc$/g, '')} ${f(v, 3)}`).join(', ') : '-'}`);
  L.push(`reproduce: npm run bench -- ${argvLine.join(' ')}`);
  console.log(L.join('\n'));
  if (args.json && args.json !== true) {
    fs.writeFileSync(String(args.json), runs.map((r) => JSON.stringify({ command: `npm run bench -- ${argvLine.join(' ')}`, epochs, steps, val_steps: valSteps, batch, threads, ...r })).join('\n') + '\n');
  }
  return ok.length === runs.length ? 0 : 1;
}
