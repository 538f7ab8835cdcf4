/** `branchnet demo` (what `npm start` runs): the library's demo() with progress bars. */
import { demo } from '../../index.js';
import { progressCallbacks } from '../progress.js';
import type { DemoArgs } from '../parse.js';

export async function demoCommand(args: DemoArgs): Promise<number> {
  return demo({
    out: args.out, quick: args.quick, backend: args.backend, threads: args.threads, engine: args.engine, untrainedBase: args.untrainedBase,
    callbacks: () => progressCallbacks({ quiet: args.quiet }),
  });
}
