/**
 * The one import of TF.js. Everything else imports `tf` from here, so the engine (tfjs with
 * the wasm backend, or tfjs-node when the user has it) is chosen in one place: ./backend.ts.
 */
import * as tf from '@tensorflow/tfjs';

// Production mode: silences the cpu backend's "install tfjs-node" banner (we say which backend
// runs ourselves) and skips debug-only checks. It does not change any numerics.
tf.enableProdMode();

export { tf };
export type Tensor = tf.Tensor;
