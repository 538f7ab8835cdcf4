/** `branchnet evaluate <model> <data>`: seen/unseen metrics with Wilson intervals, as a table, JSON or report. */
import { initBackend, describeBackend, Predictor, evaluate, gridCells, evaluateMetrics, formatMetricsTable, writeReport, renderPredictionGrid } from '../../index.js';
import type { EvaluateArgs } from '../parse.js';

export async function evaluateCommand(args: EvaluateArgs): Promise<number> {
  const backend = await initBackend({ backend: args.backend, threads: args.threads });
  const predictor = await Predictor.load(args.model, { engine: args.engine, threads: args.threads });
  try {
    const result = await evaluate(predictor, args.data, { trainCombos: args.trainCombos });
    const metrics = evaluateMetrics(result);
    if (args.json) process.stdout.write(JSON.stringify(metrics, null, 2) + '\n');
    else process.stdout.write(formatMetricsTable(metrics, { title: `${args.model} on ${args.data}` }) + '\n');
    for (const f of result.failures) process.stderr.write(`skipped ${f.path}: ${f.error}\n`);
    if (args.report) {
      const grid = await renderPredictionGrid(gridCells(result));
      await writeReport(args.report, {
        title: `branchnet evaluate ${args.model} on ${args.data}`,
        createdAt: new Date(),
        models: [{ name: predictor.meta.config.model.arch, metrics, config: predictor.meta.config, backend: describeBackend(backend) }],
        grid: [{ png: grid, caption: 'Predicted labels, wrong heads marked' }],
      });
      process.stderr.write(`report written to ${args.report}\n`);
    }
    return 0;
  } finally {
    predictor.dispose();
  }
}
