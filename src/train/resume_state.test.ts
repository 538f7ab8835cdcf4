/**
 * The pieces a resumed run is rebuilt from, each on its own: dropout masks that depend only on
 * (seed, phase, step); optimiser slots that survive a round trip through bytes; and a fit loop
 * that, over 20 epochs with a checkpoint after each and a resume from one of them, leaks no
 * tensor and no onnxruntime session.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../core/backend.js';
import { tf } from '../core/tf.js';
import { resolveConfig } from '../core/defaults.js';
import { buildModel } from '../model/build.js';
import { OrtModel } from '../onnx/session.js';
import { withDropoutSeeds } from './dropout_seeds.js';
import { readOptimizerState, writeOptimizerState } from './optimizer_state.js';
import { fit, type FitSnapshot } from './fit.js';
import { applyPhase } from '../model/build.js';
import { readCheckpoint, restoreWeights, writeCheckpoint } from './checkpoint.js';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StepBatch as Batch } from './step.js';

beforeAll(async () => { await initBackend(); });

describe('seeded dropout', () => {
  const layer = tf.layers.dropout({ rate: 0.5 });
  const mask = (key: number[]) => withDropoutSeeds([layer], key, async () =>
    tf.tidy(() => Array.from((layer.apply(tf.ones([64]), { training: true }) as tf.Tensor).dataSync())));

  it('draws the same mask for the same (seed, phase, step), another for the next step, and leaves the layer unseeded', async () => {
    const a = await mask([100, 0, 1]);
    expect(await mask([100, 0, 1])).toEqual(a);
    expect(await mask([100, 0, 2])).not.toEqual(a);
    expect(await mask([101, 0, 1])).not.toEqual(a);
    expect(a.filter((v) => v === 0).length).toBeGreaterThan(10); // it does drop: rate 0.5 of 64
    expect(layer.getConfig().seed).toBeUndefined(); // nothing reaches model.json
  });
});

describe('optimizer state', () => {
  it("RMSprop's slots and iteration count, through bytes into a fresh optimiser, give the next step bit for bit", async () => {
    const start = [0.3, -1.2, 2.5, 0.7];
    const loss = (v: tf.Variable) => () => tf.sum(tf.square(tf.sub(v, tf.tensor1d([1, 2, 3, 4])))) as tf.Scalar;
    const va = tf.variable(tf.tensor1d(start));
    const a = tf.train.rmsprop(0.01, 0.9, 0, 1e-7);
    for (let i = 0; i < 3; i++) tf.dispose(a.minimize(loss(va), true, [va])!);
    const state = await readOptimizerState(a);
    expect(state.specs.map((s) => s.name.replace(/:.*/, ''))).toEqual(['0', '1', '2']); // iterations, ms, mom

    const vb = tf.variable(va.clone());
    const b = tf.train.rmsprop(0.01, 0.9, 0, 1e-7);
    await writeOptimizerState(b, { specs: state.specs, data: new Uint8Array(state.data) });
    tf.dispose(a.minimize(loss(va), true, [va])!);
    tf.dispose(b.minimize(loss(vb), true, [vb])!);
    expect(Array.from(vb.dataSync())).toEqual(Array.from(va.dataSync()));
    // A fresh optimiser without the slots takes another step: the comparison above can fail.
    const vc = tf.variable(tf.tensor1d(start));
    const c = tf.train.rmsprop(0.01, 0.9, 0, 1e-7);
    for (let i = 0; i < 3; i++) tf.dispose(c.minimize(loss(vc), true, [vc])!);
    const fresh = tf.train.rmsprop(0.01, 0.9, 0, 1e-7);
    tf.dispose(fresh.minimize(loss(vc), true, [vc])!);
    expect(Array.from(vc.dataSync())).not.toEqual(Array.from(va.dataSync()));
    tf.dispose([va, vb, vc]);
    [a, b, c, fresh].forEach((o) => o.dispose());
  });
});

describe('checkpoint weights', () => {
  it('restore into a fresh model whatever the phase froze (TF.js lists trainable weights first)', async () => {
    const HEADS = [{ name: 'color', vocab: ['black', 'blue', 'red'] }, { name: 'type', vocab: ['dress', 'jeans', 'shirt'] }];
    const config = resolveConfig({ model: { height: 32, width: 32, backbone: { backbone: 'vgg16' } } });
    const model = buildModel(config.model, HEADS, 1);
    applyPhase(model, config.model.heads, config.phases[0]); // VGG16 frozen: its weights move to the end of model.weights
    const out = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'bn-ckpt-')), 'm');
    const snapshot: FitSnapshot = { position: { phaseIndex: 0, epoch: 1, step: 0 }, phases: [], record: {}, running: {}, timing: { seconds: 0, trainSeconds: 0, trainImages: 0 }, optimizer: null };
    await writeCheckpoint(out, model, { heads: HEADS, config }, snapshot, { train: { epoch: 0, step: 0, cursor: 0, order: [], orderRng: [1, 2, 3, 4], augmentRng: [1, 2, 3, 4], skipped: [] }, val: null },
      { data: 'd', out, keepCheckpoints: false, fingerprint: 'f' });
    const fresh = buildModel(config.model, HEADS, 2); // other initial weights, everything trainable
    const values = (m: tf.LayersModel) => Object.fromEntries(m.weights.map((w) => [w.originalName, Array.from(w.read().dataSync().slice(0, 8))]));
    expect(values(fresh)).not.toEqual(values(model));
    restoreWeights(fresh, await readCheckpoint(out));
    expect(values(fresh)).toEqual(values(model));
    model.dispose();
    fresh.dispose();
  });
});

describe('fit over 20 epochs with checkpoints, and a resume', () => {
  it('keeps the tensor count and the onnxruntime sessions stable, and releases both at the end', async () => {
    const HEADS = [{ name: 'color', vocab: ['black', 'blue', 'red'] }, { name: 'type', vocab: ['dress', 'jeans', 'shirt'] }];
    // A VGG16 base kept frozen in both phases: each phase runs it on a new onnxruntime session.
    const config = resolveConfig({
      model: { height: 32, width: 32, backbone: { backbone: 'vgg16' } },
      data: { batchSize: 2 },
      phases: [{ epochs: 10, stepsPerEpoch: 1, validationSteps: 1 }, { epochs: 10, stepsPerEpoch: 1, validationSteps: 1, unfreeze: null }],
    });
    const model = buildModel(config.model, HEADS, 1);
    let n = 0;
    const source = {
      async next(): Promise<Batch> {
        n++;
        const x = new Float32Array(2 * 32 * 32 * 3).map((_, i) => ((i * 7 + n * 13) % 101) / 101);
        return { x, y: [Int32Array.from([n % 3, (n + 1) % 3]), Int32Array.from([(n + 2) % 3, n % 3])], size: 2 };
      },
    };
    const baseTensors = tf.memory().numTensors;
    const baseSessions = OrtModel.openSessions;
    const perEpoch: { phase: string; tensors: number; sessions: number }[] = [];
    const callbacks = { onEpochEnd: ({ phase }: { phase: { name: string } }) => { perEpoch.push({ phase: phase.name, tensors: tf.memory().numTensors, sessions: OrtModel.openSessions }); } };
    let kept: FitSnapshot | null = null;
    const checkpoint = async (s: FitSnapshot) => { if (s.position.phaseIndex === 1 && s.position.epoch === 5) kept = structuredClone(s); };

    await fit(model, config, source, source, callbacks, { checkpoint });
    expect(perEpoch).toHaveLength(20);
    for (const name of ['phase1', 'phase2']) {
      const rows = perEpoch.filter((r) => r.phase === name);
      expect(new Set(rows.map((r) => r.tensors)).size, `${name}: tensors per epoch ${rows.map((r) => r.tensors)}`).toBe(1);
      expect(rows.every((r) => r.sessions === baseSessions + 1)).toBe(true); // the type branch's frozen prefix
    }
    expect(tf.memory().numTensors).toBe(baseTensors);
    expect(OrtModel.openSessions).toBe(baseSessions);

    // Resume from phase 2, epoch 6: optimiser slots written back, the same counts again.
    expect(kept!.optimizer).not.toBeNull();
    perEpoch.length = 0;
    await fit(model, config, source, source, callbacks, { resume: kept! });
    expect(perEpoch).toHaveLength(5);
    expect(new Set(perEpoch.map((r) => r.tensors)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(baseTensors);
    expect(OrtModel.openSessions).toBe(baseSessions);
    model.dispose();
  });
});
