/**
 * The CLI entry: parse (pure, ./parse.ts), then hand the command to its module. Every error
 * leaves through one handler (./fatal.ts): one line on stderr and a documented exit code
 * (EXIT_CODES), never a stack trace; internal errors say where their full trace was written.
 */
import { helpText, parseArgs, type ParsedArgs } from './parse.js';
import { installProcessHandlers, reportError, setPendingCommand } from './fatal.js';

export { installProcessHandlers };

async function run(args: ParsedArgs): Promise<number> {
  const forced = await forcedInternalError(args);
  if (forced) return forced;
  switch (args.command) {
    case 'train': return (await import('./commands/train.js')).trainCommand(args);
    case 'check': return (await import('./commands/check.js')).checkCommand(args);
    case 'summary': return (await import('./commands/summary.js')).summaryCommand(args);
    case 'predict': return (await import('./commands/predict.js')).predictCommand(args);
    case 'synth': return (await import('./commands/synth.js')).synthCommand(args);
    case 'plot': return (await import('./commands/plot.js')).plotCommand(args);
    case 'demo': return (await import('./commands/demo.js')).demoCommand(args);
    case 'evaluate': return (await import('./commands/evaluate.js')).evaluateCommand(args);
    case 'compare': return (await import('./commands/compare.js')).compareCommand(args);
    case 'serve': return (await import('./commands/serve.js')).serveCommand(args);
    case 'weights': return (await import('./commands/weights.js')).weightsCommand(args);
    case 'export': return (await import('./commands/export.js')).exportCommand(args);
    case 'pretrain': return (await import('./commands/pretrain.js')).pretrainCommand(args);
  }
}

/**
 * Test hook, documented in the README: BRANCHNET_TEST_INTERNAL_ERROR makes a command fail the
 * way a bug would, to test the handler end to end. `1`: a plain Error thrown inside the command;
 * `uncaught`: thrown from a timer, outside the command's promise chain; `hang`: the command
 * waits on a promise nothing settles. Each happens after the backend has started.
 */
async function forcedInternalError(args: ParsedArgs): Promise<Promise<number> | null> {
  const mode = process.env.BRANCHNET_TEST_INTERNAL_ERROR;
  if (!mode) return null;
  // After the backend starts, as in a real command: its emscripten glue adds process handlers.
  const { initBackend } = await import('../index.js');
  await initBackend({ backend: args.backend, threads: args.threads });
  if (mode === 'uncaught') {
    setTimeout(() => { throw new Error('forced internal error outside the command (BRANCHNET_TEST_INTERNAL_ERROR=uncaught)'); }, 10);
  } else if (mode !== 'hang') {
    throw new Error('forced internal error (BRANCHNET_TEST_INTERNAL_ERROR=1)');
  }
  return new Promise<number>(() => {});
}

export async function main(argv: string[]): Promise<number> {
  try {
    if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
      process.stdout.write(await (await import('./commands/version.js')).versionText());
      return 0;
    }
    const args = parseArgs(argv.length === 0 ? ['--help'] : argv);
    if (!args) {
      process.stdout.write(helpText(argv.length === 0 ? ['--help'] : argv));
      return 0;
    }
    setPendingCommand(args.command);
    return await run(args);
  } catch (e) {
    return reportError(e, argv, (line) => process.stderr.write(line + '\n'));
  } finally {
    setPendingCommand(null);
  }
}
