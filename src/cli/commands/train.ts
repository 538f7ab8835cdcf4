/** `branchnet train <data>`: train, save, and print where the model went and how fast it ran. */
import { loadConfig, describeBackend, BranchnetError, EXIT_CODES, resumeTraining, type PartialTrainConfig, train } from '../../index.js';
import { progressCallbacks } from '../progress.js';
import type { TrainArgs } from '../parse.js';

/** Preset, then config file, then flags: each later source overrides the earlier ones. */
export function layeredConfig(args: { preset?: 'quick'; configFile?: string; config: PartialTrainConfig }): Promise<PartialTrainConfig> {
  return loadConfig({ preset: args.preset, file: args.configFile, config: args.config });
}

/**
 * Ctrl-C (SIGINT) or SIGTERM asks training to stop: the current step finishes, a checkpoint is
 * written, and the command exits 130 (143 for SIGTERM) saying how to resume. A second signal
 * exits at once.
 */
function interruptOnSignals(): { signal: AbortSignal; exitCode(): number; release(): void } {
  const controller = new AbortController();
  let code: number = EXIT_CODES.sigint.code;
  const handler = (name: 'SIGINT' | 'SIGTERM', exit: number) => () => {
    if (controller.signal.aborted) process.exit(exit);
    code = exit;
    process.stderr.write(`\nbranchnet: ${name === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'}: stopping after the current step and writing a checkpoint (${name === 'SIGINT' ? 'Ctrl-C' : 'a second signal'} again to quit at once, losing it)\n`);
    controller.abort();
  };
  const onInt = handler('SIGINT', EXIT_CODES.sigint.code);
  const onTerm = handler('SIGTERM', EXIT_CODES.sigterm.code);
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    exitCode: () => code,
    release: () => { process.off('SIGINT', onInt); process.off('SIGTERM', onTerm); },
  };
}

export async function trainCommand(args: TrainArgs): Promise<number> {
  const sigint = interruptOnSignals();
  let result;
  try {
    const common = {
      callbacks: progressCallbacks({ quiet: args.quiet }),
      keepCheckpoints: args.keepCheckpoints || undefined,
      signal: sigint.signal,
    };
    const backend = args.backend !== undefined || args.threads !== undefined ? { backend: args.backend, threads: args.threads } : undefined;
    result = args.resume !== undefined
      ? await resumeTraining(args.resume, { ...common, backend, engine: args.engine })
      : await train({
        ...common,
        data: args.data!,
        out: args.out,
        config: await layeredConfig(args),
        backend: backend ?? {},
        engine: args.engine,
        overwrite: args.overwrite,
      });
  } catch (e) {
    if (e instanceof BranchnetError && e.code === 'E_INTERRUPTED') {
      process.stderr.write(`branchnet: ${e.message}\n`);
      return sigint.exitCode();
    }
    throw e;
  } finally {
    sigint.release();
  }
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
