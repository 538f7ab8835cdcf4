/**
 * `branchnet --version`: the version, and what this machine computes with, so that a missing
 * onnxruntime-node (an optional dependency whose absence only slows things down) never goes
 * unnoticed.
 */
import { describeBackend, initBackend, ortStatus, tf } from '../../index.js';
import { VERSION } from '../parse.js';

export async function versionText(): Promise<string> {
  const backend = await initBackend();
  const ort = await ortStatus();
  return [
    `branchnet ${VERSION}`,
    `node ${process.version}; @tensorflow/tfjs ${tf.version.tfjs}, backend ${describeBackend(backend)}`,
    ort.available
      ? `onnxruntime-node ${ort.version ?? '(version unknown)'}: inference and frozen layers run on onnxruntime`
      : `onnxruntime-node: NOT available (${ort.reason}); everything runs in TF.js, several times slower. Reinstall with npm install (see README, Engine)`,
  ].join('\n') + '\n';
}
