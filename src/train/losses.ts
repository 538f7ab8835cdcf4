/**
 * Per-head losses and metrics, and the weighted total that TF.js lacks (`lossWeights` is a
 * TODO in tfjs-layers' training.ts). As in Keras, the total loss is Σ weight·loss_head, and
 * each head's reported loss is unweighted.
 */
import { tf } from '../core/tf.js';

/** Keras categorical_crossentropy on probabilities (clipped to [ε, 1-ε]), averaged over the batch. */
export function categoricalCrossentropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const eps = 1e-7;
    const p = tf.clipByValue(yPred, eps, 1 - eps);
    return tf.mean(tf.neg(tf.sum(tf.mul(yTrue, tf.log(p)), -1))) as tf.Scalar;
  });
}

/** Fraction of rows whose arg-max matches the one-hot target. */
export function categoricalAccuracy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(yTrue, -1), tf.argMax(yPred, -1)), 'float32')) as tf.Scalar);
}

/** Keras binary_crossentropy on probabilities, averaged over labels and batch. */
export function binaryCrossentropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const eps = 1e-7;
    const p = tf.clipByValue(yPred, eps, 1 - eps);
    return tf.mean(tf.neg(tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p)))))) as tf.Scalar;
  });
}
