/** `branchnet predict <model> <inputs…>`: labels and probabilities per head, as a table, JSON or a grid. */
import { fail, initBackend, WINOGRAD_MIN_IMAGES, Predictor, expandInputs, type Prediction, renderPredictionGrid, type GridCell } from '../../index.js';
import fs from 'node:fs/promises';
import type { PredictArgs } from '../parse.js';

export function formatPredictionTable(preds: Prediction[], heads: string[]): string {
  const rows = preds.map((p) => [p.path, ...heads.map((h) => `${p.heads[h].label} (${p.heads[h].probability.toFixed(3)})`)]);
  const header = ['image', ...heads];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export async function predictCommand(args: PredictArgs): Promise<number> {
  await initBackend({ backend: args.backend, threads: args.threads });
  const files = await expandInputs(args.inputs);
  if (files.length === 0) fail('E_DATA_EMPTY', `no image files in ${args.inputs.join(', ')}; give image files or folders of images`);
  // A short run does not earn back Winograd's setup (see WINOGRAD_MIN_IMAGES).
  const winograd = files.length >= WINOGRAD_MIN_IMAGES ? undefined : false;
  const predictor = await Predictor.load(args.model, { engine: args.engine, threads: args.threads, winograd });
  try {
    const { predictions, failures } = await predictor.predictFiles(files, { batchSize: args.batchSize });
    const heads = predictor.heads.map((h) => h.name);
    if (args.json) process.stdout.write(JSON.stringify({ predictions, failures }, null, 2) + '\n');
    else process.stdout.write(formatPredictionTable(predictions, heads) + '\n');
    for (const f of failures) process.stderr.write(`skipped ${f.path}: ${f.error}\n`);
    if (args.grid) {
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
    return failures.length > 0 && predictions.length === 0 ? 1 : 0;
  } finally {
    predictor.dispose();
  }
}
