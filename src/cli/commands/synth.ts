/** `branchnet synth <out>`: the embedded synthetic data set, generated (or reused from cache). */
import { synthesize, type SynthOptions } from '../../index.js';
import type { SynthArgs } from '../parse.js';

const combos = (v: string[] | undefined): SynthOptions['trainCombos'] | undefined =>
  v === undefined ? undefined : v.length === 1 && (v[0] === 'notebook' || v[0] === 'all') ? (v[0] as 'notebook' | 'all') : v;

export async function synthCommand(args: SynthArgs): Promise<number> {
  const opts: Partial<SynthOptions> & { out: string } = { out: args.out, sheet: args.sheet, force: args.force };
  if (args.seed !== undefined) opts.seed = args.seed;
  if (args.colors) opts.colors = args.colors as SynthOptions['colors'];
  if (args.types) opts.types = args.types as SynthOptions['types'];
  const train = combos(args.trainCombos);
  if (train) opts.trainCombos = train;
  const test = combos(args.testCombos);
  if (test) opts.testCombos = test as SynthOptions['testCombos'];
  if (args.trainPerCombo !== undefined) opts.trainPerCombo = args.trainPerCombo;
  if (args.testPerCombo !== undefined) opts.testPerCombo = args.testPerCombo;
  if (args.width !== undefined) opts.width = args.width;
  if (args.height !== undefined) opts.height = args.height;
  if (args.workers !== undefined) opts.workers = args.workers;
  if (!args.quiet && process.stderr.isTTY) {
    opts.onProgress = (done, total) => { if (done % 50 === 0 || done === total) process.stderr.write(`\rgenerating ${done}/${total}`); };
  }
  const r = await synthesize(opts);
  if (opts.onProgress) process.stderr.write('\n');
  const m = r.manifest;
  process.stdout.write(`${r.cached ? 'Reused cached' : 'Generated'} synthetic set in ${r.out} (${r.seconds.toFixed(1)} s)\n`);
  process.stdout.write(`  train: ${m.options.trainCombos.join(', ')}\n  unseen in train: ${m.unseenCombos.join(', ') || 'none'}\n`);
  if (r.sheetPath) process.stdout.write(`  contact sheet: ${r.sheetPath}\n`);
  return 0;
}
