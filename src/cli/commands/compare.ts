/** `branchnet compare <data>`: the seen/unseen protocol over architectures, seeds and rotations. */
import { initBackend, compare } from '../../index.js';
import { progressCallbacks } from '../progress.js';
import { layeredConfig } from './train.js';
import type { CompareArgs } from '../parse.js';

export async function compareCommand(args: CompareArgs): Promise<number> {
  await initBackend({ backend: args.backend, threads: args.threads });
  const r = await compare({
    data: args.data,
    test: args.test,
    archs: args.archs,
    seeds: args.seeds,
    rotate: args.rotate,
    config: await layeredConfig(args),
    out: args.out,
    callbacks: () => progressCallbacks({ quiet: args.quiet }),
    backend: { backend: args.backend, threads: args.threads },
    engine: args.engine,
  });
  process.stdout.write(`\n${r.table}\n\nreport: ${r.reportPath}\n`);
  return 0;
}
