/**
 * The CLI entry: parse (pure, ./parse.ts), then hand the command to its module. Errors a user
 * caused print as one line with their stable code; anything else prints a stack trace.
 */
import { BranchnetError } from '../core/errors.js';
import { helpText, parseArgs, type ParsedArgs } from './parse.js';

async function run(args: ParsedArgs): Promise<number> {
  switch (args.command) {
    case 'train': return (await import('./commands/train.js')).trainCommand(args);
    case 'summary': return (await import('./commands/summary.js')).summaryCommand(args);
    case 'predict': return (await import('./commands/predict.js')).predictCommand(args);
    case 'synth': return (await import('./commands/synth.js')).synthCommand(args);
    case 'plot': return (await import('./commands/plot.js')).plotCommand(args);
    case 'demo': return (await import('./commands/demo.js')).demoCommand(args);
    case 'evaluate': return (await import('./commands/evaluate.js')).evaluateCommand(args);
    case 'compare': return (await import('./commands/compare.js')).compareCommand(args);
    case 'weights': return (await import('./commands/weights.js')).weightsCommand(args);
    case 'pretrain': return (await import('./commands/pretrain.js')).pretrainCommand(args);
  }
}

export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv.length === 0 ? ['--help'] : argv);
    if (!args) {
      process.stdout.write(helpText(argv.length === 0 ? ['--help'] : argv));
      return 0;
    }
    return await run(args);
  } catch (e) {
    if (e instanceof BranchnetError) {
      process.stderr.write(`branchnet: ${e.message} [${e.code}]\n`);
      return 2;
    }
    throw e;
  }
}
