/**
 * Crashes become messages: the built CLI (bin/branchnet.js on dist/) is spawned as a user runs
 * it, and each test asserts the exit code, the one `branchnet: … [E_CODE]` line and that no stack
 * trace ("    at …") reaches the terminal. Also: model damage is detected by content hash, temp
 * folders do not outlive a killed process, onnxruntime leaves no mat-debug log, and repeated
 * predictFiles calls leak no tensors. One tiny model is trained once, through the CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import { existsSync, openSync, closeSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDataset, makeImage, NOTEBOOK_COMBOS, tmpDir } from './fixtures.js';
import { EXIT_CODES, exitCodesHelp } from '../src/core/errors.js';
import { initBackend } from '../src/core/backend.js';
import { tf } from '../src/core/tf.js';
import { Predictor } from '../src/eval/predict.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(root, 'bin/branchnet.js');

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; pid: number }

function run(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; stdoutFd?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? root,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', opts.stdoutFd ?? 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => { stdout += d; });
    child.stderr!.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, pid: child.pid! }));
  });
}

/** The one error line: `branchnet: … [CODE]`, and nothing that looks like a stack trace. */
function expectOneLine(r: Run, code: string): string {
  expect(r.stderr, r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toContain('throw ex;');
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('branchnet: '));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]!.endsWith(`[${code}]`), lines[0]).toBe(true);
  return lines[0]!;
}

/** Newest .ts under src/ (tests excluded) vs the built CLI: a stale dist/ would test old code. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

let tiny: Promise<{ work: string; model: string }> | null = null;

/** One tiny model for the whole file, trained through the built CLI (checked fresh first). */
function tinyModel(): Promise<{ work: string; model: string }> {
  tiny ??= (async () => {
    const built = path.join(root, 'dist/cli/main.js');
    expect(existsSync(built), 'dist/ is missing: run npm run build').toBe(true);
    expect(statSync(built).mtimeMs, 'dist/ is older than src/: run npm run build').toBeGreaterThanOrEqual(newestSource(path.join(root, 'src')) - 1000);
    const work = await tmpDir('branchnet-crash-');
    await makeDataset(path.join(work, 'train'), NOTEBOOK_COMBOS, 2, { width: 32, height: 32 });
    const model = path.join(work, 'model');
    const t = await run(['train', path.join(work, 'train'), '-o', model, '--backbone', 'scratch', '--size', '32x32', '--epochs', '1,0', '--steps', '1', '--val-steps', '1', '--batch-size', '4', '-q']);
    expect(t.code, t.stderr).toBe(0);
    return { work, model };
  })();
  return tiny;
}

describe('branchnet CLI: crashes become one-line messages with documented exit codes', () => {
  let work: string;
  let model: string;
  let imgs: string;

  beforeAll(async () => {
    ({ work, model } = await tinyModel());
    imgs = path.join(work, 'imgs');
    await makeImage(path.join(imgs, 'a.png'), 'red', 'dress', { width: 32, height: 32 });
    await makeImage(path.join(imgs, 'b.png'), 'blue', 'jeans', { width: 32, height: 32, seed: 2 });
  });

  it('predict on a folder with a dangling link, a self-loop and a link to its own parent lists them as failures and exits 1 (0 with --allow-failures)', async () => {
    const dir = path.join(work, 'links');
    await fs.mkdir(path.join(dir, 'sub'), { recursive: true });
    await fs.copyFile(path.join(imgs, 'a.png'), path.join(dir, 'a.png'));
    await fs.symlink(path.join(work, 'nowhere.png'), path.join(dir, 'dangling.png'));
    await fs.symlink('loop.png', path.join(dir, 'loop.png'));
    await fs.symlink('..', path.join(dir, 'sub', 'up'));
    const [r, allowed] = await Promise.all([run(['predict', model, dir]), run(['predict', model, dir, '--allow-failures', '--json'])]);
    expect(r.code).toBe(EXIT_CODES.failures.code);
    expect(expectOneLine(r, 'E_PREDICT_FAILED')).toContain('3 of 4 input(s) could not be predicted');
    // In the table as well as on stderr.
    expect(r.stdout).toMatch(/a\.png\s+(black|blue|red) \(0\.\d{3}\)/);
    expect(r.stdout).toContain(`${path.join(dir, 'dangling.png')}  FAILED: dangling symbolic link to ${path.join(work, 'nowhere.png')}`);
    expect(r.stdout).toMatch(/loop\.png\s+FAILED: symbolic link loop \(it leads back to itself\)/);
    expect(r.stdout).toMatch(/sub\/up\s+FAILED: symbolic link loop \(it leads back to .*links, which is being read already\)/);
    expect(r.stderr).toContain(`skipped ${path.join(dir, 'dangling.png')}: `);
    expect(allowed.code).toBe(0);
    const json = JSON.parse(allowed.stdout);
    expect(json.predictions.map((p: { path: string }) => path.basename(p.path))).toEqual(['a.png']);
    expect(json.failures.map((f: { path: string }) => path.relative(dir, f.path))).toEqual(['dangling.png', 'loop.png', 'sub/up']);
  });

  it('predict --grid into a missing folder fails with E_ARGS before predicting, and a bad output path elsewhere is E_IO', async () => {
    const grid = path.join(work, 'missing', 'grid.png');
    const png = path.join(work, 'missing', 'history.png');
    const [r, p] = await Promise.all([run(['predict', model, imgs, '--grid', grid]), run(['plot', model, '-o', png])]);
    expect(r.code).toBe(EXIT_CODES.user.code);
    expect(expectOneLine(r, 'E_ARGS')).toBe(`branchnet: --grid ${grid}: the folder ${path.dirname(grid)} does not exist; create it first or write somewhere else [E_ARGS]`);
    expect(r.stdout).toBe('');
    // Any other unwritable path reaches the top-level handler as a system error: one E_IO line.
    expect(p.code).toBe(EXIT_CODES.user.code);
    expect(expectOneLine(p, 'E_IO')).toContain(`${png}: cannot open: no such file or folder (ENOENT)`);
  });

  it('a truncated weights.bin and bytes overwritten inside it both fail with one E_MODEL_DIR line naming the hash', async () => {
    const saved = JSON.parse(await fs.readFile(path.join(model, 'branchnet.json'), 'utf8')).integrity['weights.bin'];
    const truncated = path.join(work, 'truncated');
    await fs.cp(model, truncated, { recursive: true });
    await fs.truncate(path.join(truncated, 'weights.bin'), 1000);
    const overwritten = path.join(work, 'overwritten');
    await fs.cp(model, overwritten, { recursive: true });
    const fh = await fs.open(path.join(overwritten, 'weights.bin'), 'r+');
    await fh.write(Buffer.alloc(16, 0xff), 0, 16, 4000); // NaN bit patterns, same size
    await fh.close();
    const [t, o] = await Promise.all([run(['predict', truncated, imgs]), run(['predict', overwritten, imgs])]);
    for (const [r, dir] of [[t, truncated], [o, overwritten]] as const) {
      expect(r.code).toBe(EXIT_CODES.user.code);
      const line = expectOneLine(r, 'E_MODEL_DIR');
      expect(line).toContain(`${path.join(dir, 'weights.bin')}: content hash does not match branchnet.json (saved ${saved.sha256}, found `);
      expect(line).toContain('the file is damaged or was changed; retrain or restore it');
      expect(r.stdout).not.toContain('NaN');
    }
    expect(expectOneLine(t, 'E_MODEL_DIR')).toContain(`1000 bytes, ${saved.bytes} were saved`);
  });

  it('a model saved before hashes existed still predicts, and says it is unverified only under NODE_DEBUG=branchnet', async () => {
    const old = path.join(work, 'old-model');
    await fs.cp(model, old, { recursive: true });
    const metaFile = path.join(old, 'branchnet.json');
    const meta = JSON.parse(await fs.readFile(metaFile, 'utf8'));
    delete meta.integrity;
    await fs.writeFile(metaFile, JSON.stringify(meta, null, 2));
    const [quiet, debug] = await Promise.all([
      run(['predict', old, imgs]),
      run(['predict', old, imgs], { env: { NODE_DEBUG: 'branchnet' } }),
    ]);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toContain('unverified');
    expect(debug.code).toBe(0);
    expect(debug.stderr).toContain(`${old}: branchnet.json records no content hashes (saved before they were added); its files are loaded unverified`);
  });

  it('--batch-size 0 and --threads 0 are refused at parse time (E_ARGS), not run forever', async () => {
    const [b, t] = await Promise.all([
      run(['predict', model, imgs, '--batch-size', '0']),
      run(['predict', model, imgs, '--threads', '0']),
    ]);
    expect(b.code).toBe(EXIT_CODES.user.code);
    expect(expectOneLine(b, 'E_ARGS')).toContain('--batch-size expects a whole number of at least 1, received "0"');
    expect(t.code).toBe(EXIT_CODES.user.code);
    expect(expectOneLine(t, 'E_ARGS')).toContain('--threads expects a whole number of at least 1, received "0"');
  });

  it('an internal error prints one line with the path of its full trace and exits 3: thrown in a command, thrown outside it, or a promise left pending (formerly a silent exit 13)', async () => {
    const modes = ['1', 'uncaught', 'hang'] as const;
    const runs = await Promise.all(modes.map((m) => run(['predict', model, imgs], { env: { BRANCHNET_TEST_INTERNAL_ERROR: m } })));
    const expected = {
      '1': 'forced internal error (BRANCHNET_TEST_INTERNAL_ERROR=1)',
      uncaught: 'forced internal error outside the command (BRANCHNET_TEST_INTERNAL_ERROR=uncaught)',
      hang: 'the event loop emptied while "predict" was still waiting for a promise that nothing can settle',
    };
    for (const [i, r] of runs.entries()) {
      expect(r.code, r.stderr).toBe(EXIT_CODES.internal.code);
      const line = expectOneLine(r, 'E_INTERNAL');
      expect(line).toContain(`branchnet: internal error: ${expected[modes[i]!]}`);
      const trace = /full trace in (\S+);/.exec(line)?.[1];
      expect(trace).toMatch(new RegExp(`branchnet-error-.*-${r.pid}\\.log$`));
      const text = await fs.readFile(trace!, 'utf8');
      expect(text).toContain(expected[modes[i]!]);
      expect(text).toMatch(/^\s+at /m); // the stack is in the file, not on the terminal
      await fs.rm(trace!);
    }
  });

  it('--help documents every exit code from EXIT_CODES', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(exitCodesHelp());
    for (const e of Object.values(EXIT_CODES)) expect(r.stdout).toMatch(new RegExp(`^  ${e.code}\\s+\\S`, 'm'));
  });

  it('predict --jsonl writes one line per input in input order, and --skip-done resumes a killed run appended to the same file', async () => {
    const dir = path.join(work, 'many');
    for (let i = 0; i < 5; i++) await makeImage(path.join(dir, `${i}.png`), 'red', 'shirt', { width: 32, height: 32, seed: i });
    await fs.writeFile(path.join(dir, '2b.png'), 'not an image');
    const full = await run(['predict', model, dir, '--jsonl', '--batch-size', '2']);
    expect(full.code).toBe(EXIT_CODES.failures.code);
    const lines = full.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => path.basename(l.path))).toEqual(['0.png', '1.png', '2.png', '2b.png', '3.png', '4.png']);
    expect(lines[3].error).toContain('cannot decode as an image');
    expect(Object.keys(lines[0].heads)).toEqual(['color', 'type']);

    // A run killed after two lines and half of a third, resumed with >> into the same file.
    const out = path.join(work, 'out.jsonl');
    const text = full.stdout.split('\n');
    await fs.writeFile(out, `${text[0]}\n${text[1]}\n${text[2]!.slice(0, 20)}`);
    const fd = openSync(out, 'a');
    let resumed: Run;
    try {
      resumed = await run(['predict', model, dir, '--jsonl', '--batch-size', '2', '--skip-done', out, '--allow-failures'], { stdoutFd: fd });
    } finally {
      closeSync(fd);
    }
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`skipping 2 image(s) already predicted in ${out}`);
    const after = (await fs.readFile(out, 'utf8')).split('\n').filter(Boolean);
    const parsed = after.flatMap((l) => { try { return [JSON.parse(l)]; } catch { return []; } });
    expect(after.length - parsed.length).toBe(1); // only the cut line
    expect(parsed.filter((l) => l.heads).map((l) => path.basename(l.path)).sort()).toEqual(['0.png', '1.png', '2.png', '3.png', '4.png']);
  });

  it('onnxruntime leaves no mat-debug-<pid>.log (its telemetry is opted out unless the user set ORT_DISABLE_TELEMETRY)', async () => {
    const cwd = await tmpDir('branchnet-cwd-');
    const cwd2 = await tmpDir('branchnet-cwd-');
    const [r, optIn] = await Promise.all([
      run(['predict', model, imgs, '--engine', 'onnxruntime'], { cwd }),
      run(['predict', model, imgs, '--engine', 'onnxruntime'], { cwd: cwd2, env: { ORT_DISABLE_TELEMETRY: '0' } }),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(`/tmp/mat-debug-${r.pid}.log`)).toBe(false);
    expect(existsSync(path.join(os.tmpdir(), `mat-debug-${r.pid}.log`))).toBe(false);
    expect(await fs.readdir(cwd)).toEqual([]);
    // With the user's explicit opt-in, the library may write the file: it did in most runs here,
    // but not in every environment (not in one clean-clone CI run), so it is not asserted; the
    // user's setting must still be respected (the command runs) and the file is cleaned up.
    expect(optIn.code).toBe(0);
    await fs.rm(`/tmp/mat-debug-${optIn.pid}.log`, { force: true });
  });
});

describe('the threaded wasm temp folder does not outlive its process', () => {
  // Children still running when a test fails are killed, so no process outlives the suite.
  const children: ChildProcess[] = [];
  afterAll(() => { for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); });
  /** A process that starts the threaded backend (the CLI's handlers installed), then idles. */
  function startIdle(tmp: string): { child: ChildProcess; ready: Promise<void> } {
    const script = [
      "const { installProcessHandlers } = await import('./dist/cli/fatal.js');",
      'installProcessHandlers();',
      "const { initBackend } = await import('./dist/core/backend.js');",
      'await initBackend({ backend: "wasm", threads: 2 });',
      "process.stdout.write('ready\\n');",
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const ready = new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (d) => { err += d; });
      child.stdout!.on('data', (d) => { if (String(d).includes('ready')) resolve(); });
      child.on('exit', (code) => reject(new Error(`exited ${code} before ready: ${err}`)));
    });
    return { child, ready };
  }
  const exited = (c: ChildProcess) => new Promise<{ code: number | null; signal: string | null }>((r) => c.once('exit', (code, signal) => r({ code, signal })));
  const wasmDirs = (tmp: string) => readdirSync(tmp).filter((n) => n.startsWith('branchnet-wasm-'));

  it('SIGTERM and SIGINT exit 143 / 130 and remove it; after SIGKILL the next start removes the dead process\'s folder', async () => {
    const tmp = await tmpDir('branchnet-tmp-');
    // One after another: threaded starts at the same moment on a loaded machine can stall (see
    // WASM_THREADED_START_TIMEOUT_MS in src/core/wasm_threads.ts), which is not what this tests.
    const a = startIdle(tmp);
    await a.ready;
    const b = startIdle(tmp);
    await b.ready;
    const c = startIdle(tmp);
    await c.ready;
    expect(wasmDirs(tmp)).toHaveLength(3);
    for (const p of [a, b, c]) expect(wasmDirs(tmp).filter((n) => n.startsWith(`branchnet-wasm-${p.child.pid}-`))).toHaveLength(1);
    const [ea, eb, ec] = [exited(a.child), exited(b.child), exited(c.child)];
    a.child.kill('SIGTERM');
    b.child.kill('SIGINT');
    c.child.kill('SIGKILL');
    expect((await ea).code).toBe(EXIT_CODES.sigterm.code);
    expect((await eb).code).toBe(EXIT_CODES.sigint.code);
    expect((await ec).signal).toBe('SIGKILL');
    // Only the killed process's folder is left...
    expect(wasmDirs(tmp)).toEqual([expect.stringMatching(new RegExp(`^branchnet-wasm-${c.child.pid}-`))]);
    // ...until the next start, which removes it (its pid runs no more) and makes its own.
    const d = startIdle(tmp);
    await d.ready;
    expect(wasmDirs(tmp)).toEqual([expect.stringMatching(new RegExp(`^branchnet-wasm-${d.child.pid}-`))]);
    const ed = exited(d.child);
    d.child.kill('SIGTERM');
    await ed;
    expect(wasmDirs(tmp)).toEqual([]);
  });
});

describe('Predictor.predictFiles memory', () => {
  it('20 repeated calls leave the TF.js tensor count where the first left it, on both engines; batchSize 0 is refused', async () => {
    await initBackend();
    const { model: modelDir } = await tinyModel();
    const work = await tmpDir('branchnet-leak-');
    await makeDataset(path.join(work, 'imgs'), ['red_dress', 'blue_jeans'], 3, { width: 32, height: 32 });
    const files = (await fs.readdir(path.join(work, 'imgs'), { recursive: true })).filter((f) => f.endsWith('.png')).map((f) => path.join(work, 'imgs', f));
    files.push(path.join(work, 'missing.png')); // a failure every call, too
    for (const engine of ['tfjs', 'onnxruntime'] as const) {
      const p = await Predictor.load(modelDir, { engine, threads: 1 });
      const first = await p.predictFiles(files, { batchSize: 4 });
      expect(first.predictions).toHaveLength(6);
      expect(first.failures).toHaveLength(1);
      const base = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) await p.predictFiles(files, { batchSize: 4 });
      expect(tf.memory().numTensors, engine).toBe(base);
      await expect(p.predictFiles(files, { batchSize: 0 })).rejects.toThrow('batchSize 0 is not valid; use a whole number of at least 1');
      p.dispose();
    }
  });
});
