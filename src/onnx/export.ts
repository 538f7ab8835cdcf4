/**
 * TF.js LayersModel → ONNX ModelProto bytes, from the live model (its graph and current weights),
 * so that onnxruntime can run it: a frozen backbone during training, or a whole model for
 * predict/evaluate. Nested models (our head Sequentials holding a backbone model) are inlined.
 *
 * The graph input is the TF.js input, NHWC float32 [N, H, W, C], under the TF.js input name;
 * there is one output per model output, named after its output layer (for our models the head's
 * Sequential: `color`, `type`), in the TF.js layout, equal to `model.predict`. Per-layer
 * translation lives in ./layers.ts, the graph builder and layout rule in ./graph.ts.
 *
 * @example const bytes = exportOnnx(model); fs.writeFileSync('model.onnx', bytes);
 */
import pkg from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { tf } from '../core/tf.js';
import { fail } from '../core/errors.js';
import { OnnxGraph, type Val } from './graph.js';
import { LAYERS } from './layers.js';

const { onnx } = pkg;

export interface ExportOnnxOptions {
  /** ONNX opset, 13 (default) to 21. */
  opset?: number;
  /** Graph input name (single-input models); defaults to the TF.js input name. */
  inputName?: string;
  /** A fixed batch size, or 'dynamic' (default): the batch axis is the symbolic `N`. */
  batch?: number | 'dynamic';
  /**
   * Layout of rank-4 image inputs: 'nhwc' (default, as TF.js) or 'nchw' (channels first, what
   * onnxruntime's convolutions use: a caller that prepares its pixels planar saves the graph's
   * leading Transpose).
   */
  inputLayout?: 'nhwc' | 'nchw';
  /**
   * Write 3x3 stride-1 convolutions with many channels (VGG16 blocks 3-5) as Winograd F(4,3) in
   * plain ops (./winograd.ts): 1.5x faster on onnxruntime's CPU provider, outputs within
   * float32 rounding (a few 1e-6 relative). Default false: a runtime with its own Winograd or a
   * GPU is better served by plain Conv nodes. branchnet's own onnxruntime sessions turn it on.
   */
  winograd?: boolean;
}

/** Layer classes the exporter translates (plus nested LayersModel / Sequential, which it inlines). */
export const SUPPORTED_LAYERS = ['InputLayer', ...Object.keys(LAYERS)];

/** The IR version that goes with an opset (ONNX's versioning table). */
function irVersion(opset: number): number {
  return opset <= 13 ? 7 : opset <= 18 ? 8 : opset <= 20 ? 9 : 10;
}

/** Serialise `model` as an ONNX model (protobuf bytes). Throws E_ONNX for unsupported layers. */
export function exportOnnx(model: tf.LayersModel, opts: ExportOnnxOptions = {}): Uint8Array {
  const opset = opts.opset ?? 13;
  if (!Number.isInteger(opset) || opset < 13 || opset > 21) {
    fail('E_ONNX', `opset ${opset} is not supported; use an opset from 13 to 21`);
  }
  const batch = opts.batch ?? 'dynamic';
  if (batch !== 'dynamic' && !(Number.isInteger(batch) && batch > 0)) {
    fail('E_ONNX', `batch ${batch} is neither a positive integer nor 'dynamic'`);
  }
  if (opts.inputName !== undefined && model.inputs.length !== 1) {
    fail('E_ONNX', `inputName "${opts.inputName}" given for model ${model.name} with ${model.inputs.length} inputs; it applies to single-input models only`);
  }
  const g = new OnnxGraph();
  // Layer names, as model.inputNames / outputNames (which an unbuilt Sequential lacks).
  const inputNames = model.inputs.map((t) => opts.inputName ?? t.sourceLayer.name);
  const outputNames = uniqueNames([...inputNames, ...model.outputs.map((t) => t.sourceLayer.name)]).slice(inputNames.length);
  [...inputNames, ...outputNames].forEach((n) => g.reserve(n));

  const planar = (t: tf.SymbolicTensor) => opts.inputLayout === 'nchw' && t.shape.length === 4;
  const inputs = model.inputs.map((t, i): Val => ({ name: inputNames[i], rank: t.shape.length, nchw: planar(t) }));
  const results = emitModel(g, model, inputs, '', opts.winograd ?? false);
  results.forEach((v, i) => g.op('Identity', [g.toTfOrder(v).name], {}, outputNames[i], outputNames[i]));

  const valueInfo = (name: string, shape: (number | null)[]): Onnx.IValueInfoProto => ({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: {
          dim: shape.map((d, axis) => axis === 0
            ? (batch === 'dynamic' ? { dimParam: 'N' } : { dimValue: batch })
            : d == null ? { dimParam: `${name}_d${axis}` } : { dimValue: d }),
        },
      },
    },
  });
  const proto = onnx.ModelProto.create({
    irVersion: irVersion(opset),
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'branchnet',
    graph: {
      name: model.name,
      node: g.nodes,
      initializer: g.initializers,
      input: model.inputs.map((t, i) => valueInfo(inputNames[i], planar(t) ? [t.shape[0], t.shape[3], t.shape[1], t.shape[2]] : t.shape)),
      output: model.outputs.map((t, i) => valueInfo(outputNames[i], t.shape)),
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}

function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = seen.get(n) ?? 0;
    seen.set(n, k + 1);
    return k === 0 ? n : `${n}_${k}`;
  });
}

/**
 * Emit the graph of `model` applied to `inputs`: resolve each output tensor through the node that
 * produced it (layer.inboundNodes[tensor.nodeIndex]), depth first, from the model's own inputs.
 * A nested model met on the way recurses with its inputs bound to the outer values.
 */
function emitModel(g: OnnxGraph, model: tf.LayersModel, inputs: Val[], path: string, winograd: boolean): Val[] {
  const env = new Map<number, Val>();
  model.inputs.forEach((t, i) => env.set(t.id, inputs[i]));
  const resolve = (t: tf.SymbolicTensor): Val => {
    const known = env.get(t.id);
    if (known) return known;
    const layer = t.sourceLayer;
    const node = layer.inboundNodes[t.nodeIndex];
    const where = `layer "${path}${layer.name}" (${layer.getClassName()})`;
    if (!node || node.inboundLayers.length === 0) {
      fail('E_ONNX', `${where} produces tensor "${t.name}", which is not an input of model ${model.name}; export a model whose inputs reach every layer`);
    }
    const x = node.inputTensors.map(resolve);
    const outs = layer instanceof tf.LayersModel
      ? emitModel(g, layer, x, `${path}${layer.name}/`, winograd)
      : [emitLayer(g, layer, x, node.inputTensors.map((s) => s.shape), where, winograd)];
    node.outputTensors.forEach((o, i) => env.set(o.id, outs[i]));
    return env.get(t.id)!;
  };
  return model.outputs.map(resolve);
}

function emitLayer(g: OnnxGraph, layer: tf.layers.Layer, x: Val[], shapes: (number | null)[][], where: string, winograd: boolean): Val {
  const emit = LAYERS[layer.getClassName()];
  if (!emit) {
    fail('E_ONNX', `${where} cannot be exported to ONNX: class ${layer.getClassName()} is not supported; supported layers: [${SUPPORTED_LAYERS.join(', ')}] and nested models`);
  }
  return emit({ g, layer, cfg: layer.getConfig(), x, shapes, where, winograd });
}
