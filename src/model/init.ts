/**
 * Seeded weight initialisers. TF.js draws each initializer from its own seed, so we hand out
 * a fresh, deterministic seed per layer: the same config seed builds the same weights.
 * Keras defaults are kept: glorot-uniform kernels, zero biases.
 */
import { tf } from '../core/tf.js';

export interface Initializers {
  kernel(): ReturnType<typeof tf.initializers.glorotUniform>;
}

export function seededInitializers(seed: number): Initializers {
  let n = 0;
  return {
    kernel: () => tf.initializers.glorotUniform({ seed: seed * 7919 + ++n }),
  };
}
