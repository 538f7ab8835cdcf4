/**
 * Progress on the terminal, Keras-style: one bar per epoch with ETA and the running metrics,
 * then the epoch's line with validation metrics. Renders only plain numbers from the training
 * callbacks; writes to stderr so that stdout stays clean for --json output.
 */
import { type FitCallbacks } from '../index.js';
import cliProgress from 'cli-progress';

const fmt = (logs: Record<string, number>, keys: string[]) =>
  keys.filter((k) => k in logs).map((k) => `${k}: ${logs[k].toFixed(4)}`).join(' - ');

function metricKeys(logs: Record<string, number>, prefix = ''): string[] {
  return Object.keys(logs).filter((k) => (prefix ? k.startsWith(prefix) : !k.startsWith('val_')));
}

export function progressCallbacks(opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): FitCallbacks {
  const stream = opts.stream ?? process.stderr;
  const write = (s: string) => { if (!opts.quiet) stream.write(s + '\n'); };
  let bar: cliProgress.SingleBar | null = null;
  return {
    onPhaseBegin: ({ phase, index, trainableParams }) => {
      write(`\nPhase ${index + 1} (${phase.name}): ${phase.epochs} epochs × ${phase.stepsPerEpoch} steps, ${phase.optimizer} lr ${phase.learningRate}, trainable params ${trainableParams.toLocaleString('en-US')}${phase.unfreeze ? `, unfrozen from ${phase.unfreeze}` : ''}`);
    },
    onEpochBegin: ({ epoch, epochs, steps }) => {
      write(`Epoch ${epoch + 1}/${epochs}`);
      if (opts.quiet || !stream.isTTY) return;
      bar = new cliProgress.SingleBar({
        stream,
        format: '{value}/{total} [{bar}] ETA: {eta_formatted} - {metrics}',
        barCompleteChar: '=', barIncompleteChar: '.', barsize: 30, hideCursor: true, clearOnComplete: true,
        etaBuffer: 20,
      });
      bar.start(steps, 0, { metrics: '' });
    },
    onBatchEnd: ({ step, logs }) => bar?.update(step, { metrics: fmt(logs, metricKeys(logs)) }),
    onEpochEnd: ({ logs, seconds, phase }) => {
      bar?.stop();
      bar = null;
      const msPerStep = (seconds * 1000) / phase.stepsPerEpoch;
      write(`${phase.stepsPerEpoch}/${phase.stepsPerEpoch} - ${seconds.toFixed(0)}s ${msPerStep.toFixed(0)}ms/step - ${fmt(logs, [...metricKeys(logs), ...metricKeys(logs, 'val_')])}`);
    },
    onPhaseEnd: ({ result }) => {
      write(`Phase ${result.name}: ${result.seconds.toFixed(1)} s, ${result.imagesPerSecond.toFixed(2)} training images/s`);
    },
  };
}
