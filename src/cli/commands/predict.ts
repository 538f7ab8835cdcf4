/**
 * `branchnet predict <model> <inputs…>`: labels and probabilities per head, as a table, JSON,
 * streamed JSON Lines (--jsonl, resumable with --skip-done) or a grid. Inputs that cannot be
 * read are listed in the output and on stderr, and make the exit code 1 unless --allow-failures.
 */
import fs from 'node:fs/promises';
import { openSync, fstatSync, closeSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { fail, initBackend, WINOGRAD_MIN_IMAGES, Predictor, expandInputs, renderPredictionGrid, type Prediction, type PredictionFailure, type PredictionResult, type GridCell } from '../../index.js';
import type { PredictArgs } from '../parse.js';

/** The failure's reason without the path its message starts with (the table shows the path). */
function reasonOf(f: PredictionFailure): string {
  return f.error.startsWith(`${f.path}: `) ? f.error.slice(f.path.length + 2) : f.error;
}

export function formatPredictionTable(preds: Prediction[], heads: string[], failures: PredictionFailure[] = []): string {
  const rows = preds.map((p) => [p.path, ...heads.map((h) => `${p.heads[h].label} (${p.heads[h].probability.toFixed(3)})`)]);
  const header = ['image', ...heads];
  const failed = failures.map((f) => [f.path, `FAILED: ${reasonOf(f)}`]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length), ...(i === 0 ? failed.map((r) => r[0].length) : [])));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ...failed.map(line)].join('\n');
}

/** The output file's folder must exist before hours of predicting, not after. */
async function checkOutputFile(file: string, flag: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const st = await fs.stat(dir).catch(() => null);
  if (!st) fail('E_ARGS', `${flag} ${file}: the folder ${dir} does not exist; create it first or write somewhere else`);
  if (!st.isDirectory()) fail('E_ARGS', `${flag} ${file}: ${dir} is not a folder; give a path inside a folder`);
  const target = await fs.stat(file).catch(() => null);
  if (target?.isDirectory()) fail('E_ARGS', `${flag} ${file}: is a folder; give a file name such as ${path.join(file, 'grid.png')}`);
}

/**
 * Paths that already have a prediction in a JSON Lines file of an earlier run. Failures are not
 * counted as done (they are tried again). A missing file is an empty one, so the first run and
 * the resumed one are the same command. Also says whether the file ends mid-line (a killed run).
 */
async function readDone(file: string): Promise<{ done: Set<string>; partialLastLine: boolean }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { done: new Set(), partialLastLine: false };
    throw e;
  }
  const done = new Set<string>();
  let parsed = 0;
  let lines = 0;
  for (const l of text.split('\n')) {
    if (!l.trim()) continue;
    lines++;
    try {
      const o = JSON.parse(l) as { path?: unknown; heads?: unknown };
      parsed++;
      if (typeof o.path === 'string' && o.heads) done.add(o.path);
    } catch {
      // A line cut short when an earlier run was killed while writing it: its image runs again.
    }
  }
  if (lines > 0 && parsed === 0) fail('E_ARGS', `--skip-done ${file}: no line is JSON; give the JSON Lines file an earlier --jsonl run wrote`);
  return { done, partialLastLine: text.length > 0 && !text.endsWith('\n') };
}

/** Whether stdout is this very file (`>> out.jsonl` with `--skip-done out.jsonl`). */
function stdoutIs(file: string): boolean {
  try {
    const fd = openSync(file, 'r');
    try {
      const a = fstatSync(fd);
      const b = fstatSync(1);
      return a.dev === b.dev && a.ino === b.ino;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

function progressBar(total: number, quiet: boolean | undefined): cliProgress.SingleBar | null {
  if (quiet || !process.stderr.isTTY || total === 0) return null;
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: 'predict {value}/{total} [{bar}] {percentage}% ETA: {eta_formatted}',
    barCompleteChar: '=', barIncompleteChar: '.', barsize: 30, hideCursor: true, clearOnComplete: true, etaBuffer: 20,
  });
  bar.start(total, 0);
  return bar;
}

export async function predictCommand(args: PredictArgs): Promise<number> {
  if (args.grid) await checkOutputFile(args.grid, '--grid');
  await initBackend({ backend: args.backend, threads: args.threads });
  const expandFailures: PredictionFailure[] = [];
  let files = await expandInputs(args.inputs, { onSkip: (f) => expandFailures.push(f) });
  let alreadyDone = 0;
  let partialLastLine = false;
  if (args.skipDone) {
    const prior = await readDone(args.skipDone);
    partialLastLine = prior.partialLastLine && stdoutIs(args.skipDone);
    const before = files.length;
    files = files.filter((f) => !prior.done.has(f));
    alreadyDone = before - files.length;
    if (alreadyDone > 0) process.stderr.write(`skipping ${alreadyDone} image(s) already predicted in ${args.skipDone}\n`);
  }
  if (files.length === 0 && expandFailures.length === 0) {
    if (alreadyDone > 0) return 0;
    fail('E_DATA_EMPTY', `no image files in ${args.inputs.join(', ')}; give image files or folders of images`);
  }
  // A short run does not earn back Winograd's setup (see WINOGRAD_MIN_IMAGES).
  const winograd = files.length >= WINOGRAD_MIN_IMAGES ? undefined : false;
  const predictor = await Predictor.load(args.model, { engine: args.engine, threads: args.threads, winograd });
  const failures: PredictionFailure[] = [...expandFailures];
  try {
    const heads = predictor.heads.map((h) => h.name);
    let predictions: Prediction[] = [];
    if (args.jsonl) {
      const writeLines = (rs: PredictionResult[]) => {
        if (rs.length > 0) process.stdout.write(rs.map((r) => JSON.stringify(r)).join('\n') + '\n');
      };
      if (partialLastLine) process.stdout.write('\n');
      writeLines(expandFailures);
      const bar = progressBar(files.length, args.quiet);
      try {
        await predictor.predictFiles(files, {
          batchSize: args.batchSize,
          collect: false,
          onBatch: (results, progress) => {
            writeLines(results);
            // Only what the grid needs is kept: a --jsonl run may be millions of images long.
            for (const r of results) if (!('heads' in r)) failures.push(r); else if (args.grid) predictions.push(r);
            bar?.update(progress.done);
          },
        });
      } finally {
        bar?.stop();
      }
    } else {
      const result = await predictor.predictFiles(files, { batchSize: args.batchSize });
      predictions = result.predictions;
      failures.push(...result.failures);
      if (args.json) process.stdout.write(JSON.stringify({ predictions, failures }, null, 2) + '\n');
      else process.stdout.write(formatPredictionTable(predictions, heads, failures) + '\n');
    }
    for (const f of failures) process.stderr.write(`skipped ${f.path}: ${f.error}\n`);
    if (args.grid && predictions.length === 0) process.stderr.write(`no grid written: no image was predicted\n`);
    else if (args.grid) {
      const cells: GridCell[] = [];
      for (const p of predictions) {
        cells.push({
          image: { path: p.path },
          caption: heads.map((h) => p.heads[h].label),
          subcaption: heads.map((h) => p.heads[h].probability.toFixed(2)).join(' · '),
        });
      }
      await fs.writeFile(args.grid, await renderPredictionGrid(cells));
      process.stderr.write(`grid written to ${args.grid}\n`);
    }
  } finally {
    predictor.dispose();
  }
  if (failures.length > 0 && !args.allowFailures) {
    const total = files.length + expandFailures.length;
    fail('E_PREDICT_FAILED', `${failures.length} of ${total} input(s) could not be predicted (listed above); fix or remove them, or pass --allow-failures to exit 0`);
  }
  return 0;
}
