/**
 * An optimiser's slots as plain bytes and back, for checkpoints: RMSprop's mean squares and
 * moments, Adam's first and second moments, and every optimiser's iteration count, in the
 * order TF.js's `getWeights()` gives them (slot i belongs to the i-th variable of the first
 * `minimize` call, so the same variable list restores them to the same variables).
 */
import { tf } from '../core/tf.js';

export interface OptimizerState {
  /** tf.io weight specs, in `getWeights()` order. */
  specs: tf.io.WeightsManifestEntry[];
  data: Uint8Array;
}

/** Copy an optimiser's slots out (the tensors stay the optimiser's; the iteration scalar made here is freed). */
export async function readOptimizerState(optimizer: tf.Optimizer): Promise<OptimizerState> {
  const weights = await optimizer.getWeights();
  try {
    // Names are indices: slot names come from variable names, which a resumed process numbers differently.
    const { data, specs } = await tf.io.encodeWeights(weights.map((w, i) => ({ name: `${i}:${w.name}`, tensor: w.tensor })));
    return { specs, data: new Uint8Array(data) };
  } finally {
    // getWeights() makes a fresh scalar for the iteration count (saveIterations); the slots are the optimiser's own.
    tf.dispose(weights[0]?.tensor);
  }
}

/** Put slots read by `readOptimizerState` into a fresh optimiser of the same kind. */
export async function writeOptimizerState(optimizer: tf.Optimizer, state: OptimizerState): Promise<void> {
  const buf = state.data.buffer.slice(state.data.byteOffset, state.data.byteOffset + state.data.byteLength);
  const map = tf.io.decodeWeights(buf as ArrayBuffer, state.specs);
  const named = state.specs.map((s) => ({ name: s.name.slice(s.name.indexOf(':') + 1), tensor: map[s.name] }));
  try {
    await optimizer.setWeights(named);
  } finally {
    // setWeights makes variables that share these tensors' data (reference counted), so freeing them is safe.
    tf.dispose(named.map((n) => n.tensor));
  }
}
