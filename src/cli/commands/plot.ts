/** `branchnet plot <model>`: the history plot of a saved model, as a PNG. */
import { fail, loadModelDir, concatHistory, renderHistoryPlot } from '../../index.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { PlotArgs } from '../parse.js';

export async function plotCommand(args: PlotArgs): Promise<number> {
  const { model, history } = await loadModelDir(args.model);
  model.dispose();
  if (!history || history.phases.every((p) => p.epochs === 0)) fail('E_MODEL_DIR', `${args.model}: has no training history to plot (history.json missing or empty)`);
  const { history: joined, phaseStarts } = concatHistory(history);
  const { png } = await renderHistoryPlot(joined, { phaseStarts });
  const out = args.out ?? path.join(args.model, 'history.png');
  await fs.writeFile(out, png);
  process.stdout.write(`${out}\n`);
  return 0;
}
