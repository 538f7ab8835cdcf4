/** `branchnet train <data>`: train, save, and print where the model went and how fast it ran. */
import { loadConfig, describeBackend, type PartialTrainConfig, train } from '../../index.js';
import { progressCallbacks } from '../progress.js';
import type { TrainArgs } from '../parse.js';

/** Preset, then config file, then flags: each later source overrides the earlier ones. */
export function layeredConfig(args: { preset?: 'quick'; configFile?: string; config: PartialTrainConfig }): Promise<PartialTrainConfig> {
  return loadConfig({ preset: args.preset, file: args.configFile, config: args.config });
}

export async function trainCommand(args: TrainArgs): Promise<number> {
  const config = await layeredConfig(args);
  const result = await train({
    data: args.data,
    out: args.out,
    config,
    backend: { backend: args.backend, threads: args.threads },
    engine: args.engine,
    callbacks: progressCallbacks({ quiet: args.quiet }),
  });
  const out = process.stdout;
  out.write(`\nModel saved to ${result.modelDir}\n`);
  for (const p of result.history.phases) {
    if (p.epochs === 0) { out.write(`  ${p.name}: skipped (0 epochs)\n`); continue; }
    const last = (k: string) => p.history[k]?.at(-1);
    const accs = result.heads.map((h) => `${h.name} ${(last(`val_${h.name}_acc`) ?? last(`${h.name}_acc`) ?? NaN).toFixed(4)}`).join(', ');
    out.write(`  ${p.name}: ${p.epochs} epochs, ${p.seconds.toFixed(1)} s, ${p.imagesPerSecond.toFixed(2)} images/s; final ${p.history.val_loss ? 'validation' : 'training'} accuracy: ${accs}\n`);
  }
  if (result.data.skipped.length) out.write(`  skipped ${result.data.skipped.length} file(s): ${result.data.skipped.map((s) => s.path).join(', ')}\n`);
  out.write(`Backend: ${describeBackend(result.backend)}. Elapsed: ${result.seconds.toFixed(1)} s\n`);
  return 0;
}
