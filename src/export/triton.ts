/**
 * A Triton Inference Server model folder for an exported ONNX file:
 *
 *   <name>/config.pbtxt        platform onnxruntime_onnx, max_batch_size, dynamic batching,
 *                              the graph's own input / output names and per-item dims
 *   <name>/1/model.onnx        the model, version 1
 *   <name>/<head>_labels.txt   one label per line, named by each output's label_filename
 *                              (Triton's classification extension returns labels with them)
 *
 * The names and dims come from the ONNX graph itself (onnxSignature), so the config cannot drift
 * from the file. Triton counts the batch separately (max_batch_size > 0), so dims omit it.
 * Format: https://github.com/triton-inference-server/server/blob/main/docs/user_guide/model_configuration.md
 */
import { fail } from '../core/errors.js';
import { EXPORT_DEFAULTS } from '../core/defaults.js';
import type { HeadVocab } from '../eval/labels.js';
import type { OnnxSignature } from './onnx_file.js';

const quote = (s: string) => JSON.stringify(s);

function itemDims(name: string, dims: (number | null)[]): number[] {
  if (dims[0] !== null) fail('E_ONNX', `${name}: the first dim is ${dims[0]}, expected a dynamic batch axis for Triton's max_batch_size`);
  return dims.slice(1).map((d) => {
    if (d === null) fail('E_ONNX', `${name}: a dynamic dim other than the batch; Triton needs fixed item dims`);
    return d;
  });
}

/** The config.pbtxt text for `name` (the model folder's name, as Triton requires). */
export function tritonConfig(name: string, sig: OnnxSignature, heads: readonly HeadVocab[], opts: { maxBatchSize?: number; maxQueueDelayMicroseconds?: number } = {}): string {
  const labelled = new Set(heads.map((h) => h.name));
  const block = (v: { name: string; dims: (number | null)[] }, labels: boolean) => [
    '  {',
    `    name: ${quote(v.name)}`,
    '    data_type: TYPE_FP32',
    `    dims: [ ${itemDims(v.name, v.dims).join(', ')} ]`,
    ...(labels ? [`    label_filename: ${quote(`${v.name}_labels.txt`)}`] : []),
    '  }',
  ].join('\n');
  return [
    `name: ${quote(name)}`,
    'platform: "onnxruntime_onnx"',
    `max_batch_size: ${opts.maxBatchSize ?? EXPORT_DEFAULTS.tritonMaxBatchSize}`,
    'input [',
    sig.inputs.map((v) => block(v, false)).join(',\n'),
    ']',
    'output [',
    sig.outputs.map((v) => block(v, labelled.has(v.name))).join(',\n'),
    ']',
    'dynamic_batching {',
    `  max_queue_delay_microseconds: ${opts.maxQueueDelayMicroseconds ?? EXPORT_DEFAULTS.tritonMaxQueueDelayMicroseconds}`,
    '}',
    '',
  ].join('\n');
}

/** Every file of the Triton model folder, by relative path. */
export function tritonFiles(name: string, onnxBytes: Uint8Array, sig: OnnxSignature, heads: readonly HeadVocab[]): Record<string, string | Uint8Array> {
  const files: Record<string, string | Uint8Array> = {
    'config.pbtxt': tritonConfig(name, sig, heads),
    '1/model.onnx': onnxBytes,
  };
  for (const h of heads) files[`${h.name}_labels.txt`] = h.vocab.join('\n') + '\n';
  return files;
}
