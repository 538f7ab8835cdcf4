/**
 * Optimisers by name, with Keras's defaults (RMSprop: rho 0.9, epsilon 1e-7; Adam: 0.9, 0.999).
 * A new optimiser per phase, as the notebook's `model.compile` before phase 2 does.
 */
import { tf } from '../core/tf.js';
import type { PhaseConfig } from '../core/defaults.js';

export function makeOptimizer(phase: PhaseConfig): tf.Optimizer {
  switch (phase.optimizer) {
    case 'rmsprop': return tf.train.rmsprop(phase.learningRate, 0.9, 0, 1e-7);
    case 'adam': return tf.train.adam(phase.learningRate, 0.9, 0.999, 1e-7);
    case 'sgd': return tf.train.sgd(phase.learningRate);
  }
}
