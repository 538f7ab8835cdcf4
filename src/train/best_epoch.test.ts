/**
 * Best-epoch selection: the score (mean validation accuracy over heads by default, ties to the
 * lower validation loss), the callback that restores the best epoch's weights when a phase ends,
 * and --patience ending a phase inside fit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../core/tf.js';
import { initBackend } from '../core/backend.js';
import { resolveConfig } from '../core/defaults.js';
import { buildModel } from '../model/build.js';
import { bestEpochCallback, epochScore, isBetter } from './best_epoch.js';
import { fitPhase } from './fit.js';
import type { StepBatch as Batch } from './step.js';

const HEADS = [{ name: 'color', vocab: ['black', 'blue', 'red'] }, { name: 'type', vocab: ['dress', 'jeans', 'shirt'] }];
const PHASE = resolveConfig({}).phases[0];

describe('best-epoch selection', () => {
  beforeAll(async () => { await initBackend(); });

  it('scores an epoch by the mean validation accuracy over heads; ties go to the lower validation loss', () => {
    expect(epochScore({ val_color_acc: 0.9, val_type_acc: 0.7, val_loss: 0.4, color_acc: 1 }, ['color', 'type'], null)).toEqual({ score: 0.8, loss: 0.4 });
    expect(epochScore({ val_loss: 0.4, val_type_loss: 0.3 }, ['type'], 'val_type_loss').score).toBe(-0.3);
    expect(isBetter({ score: 0.8, loss: 0.5 }, { score: 0.8, loss: 0.6 })).toBe(true);
    expect(isBetter({ score: 0.8, loss: 0.6 }, { score: 0.8, loss: 0.5 })).toBe(false);
    expect(isBetter({ score: 0.79, loss: 0.1 }, { score: 0.8, loss: 0.9 })).toBe(false);
    expect(() => epochScore({ color_acc: 1 }, ['color'], null)).toThrow(/no val_color_acc in this epoch's logs; they need validation images/);
    expect(() => epochScore({ val_loss: 1 }, ['color'], 'val_colour_acc')).toThrow(/--monitor val_colour_acc: not a key of this epoch's logs; keys are \[val_loss\]/);
  });

  it("keep best: the phase ends with the best epoch's weights, and says which epoch that was; keep last does not touch them", () => {
    const cfg = resolveConfig({ model: { height: 8, width: 8, branches: { color: 'pixel', type: 'pixel' } } });
    for (const keep of ['best', 'last'] as const) {
      const model = buildModel(cfg.model, HEADS, 1);
      const before = tf.memory().numTensors;
      const cb = bestEpochCallback(model, ['color', 'type'], { keep, monitor: null, patience: null });
      // Each epoch leaves its number in every weight of the color head's dense layer.
      const dense = (model.getLayer('color') as tf.Sequential).layers.find((l) => l.name === 'color_dense1')!;
      const setEpoch = (e: number) => tf.tidy(() => dense.setWeights(dense.getWeights().map((w) => tf.fill(w.shape, e))));
      cb.onPhaseBegin!({ phase: PHASE, index: 0, trainableParams: 0 });
      // Epoch 2 is best (0.8); epoch 3 ties it on accuracy but has a higher loss.
      [[0.5, 1.0], [0.8, 0.7], [0.8, 0.9], [0.6, 0.5]].forEach(([acc, loss], epoch) => {
        setEpoch(epoch + 1);
        cb.onEpochEnd!({ phase: PHASE, epoch, epochs: 4, logs: { val_color_acc: acc, val_type_acc: acc, val_loss: loss }, seconds: 0 });
      });
      cb.onPhaseEnd!({ phase: PHASE, result: { name: 'phase1', epochs: 4, history: {}, seconds: 0, imagesPerSecond: 0, trainableParams: 0 } });
      const value = dense.getWeights()[0].dataSync()[0];
      expect(value).toBe(keep === 'best' ? 2 : 4);
      expect(cb.selected).toEqual([{ phase: 'phase1', epoch: keep === 'best' ? 2 : 4, epochsRun: 4, score: 0.8, monitor: 'mean(val_color_acc, val_type_acc)', stoppedEarly: false }]);
      // The snapshot is gone once the phase ends (setWeights replaced, not added, tensors).
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    }
  });

  it('--patience ends a phase inside fit after that many epochs without a better score', async () => {
    const cfg = resolveConfig({
      model: { height: 8, width: 8, branches: { color: 'pixel', type: 'pixel' } },
      phases: [{ epochs: 6, stepsPerEpoch: 1, validationSteps: 1, learningRate: 1e-12 }],
    });
    const model = buildModel(cfg.model, HEADS, 1);
    // The same batch every time and a learning rate too small to matter: the score never improves after epoch 1.
    const batch: Batch = { x: new Float32Array(4 * 8 * 8 * 3).fill(0.5), y: [Int32Array.from([0, 1, 2, 0]), Int32Array.from([1, 2, 0, 1])], size: 4 };
    const source = { next: async () => batch };
    const cb = bestEpochCallback(model, ['color', 'type'], { keep: 'best', monitor: null, patience: 2 });
    try {
      const result = await fitPhase(model, cfg, 0, source, source, cb, { engine: 'tfjs' });
      expect(result.epochs).toBe(3);
      expect(result.history.val_loss).toHaveLength(3);
      expect(cb.selected[0]).toMatchObject({ epoch: 1, epochsRun: 3, stoppedEarly: true });
    } finally {
      model.dispose();
    }
  });
});
