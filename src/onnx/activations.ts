/**
 * TF.js activations (the `activation` of Conv2D/Dense/Activation layers, by their serialized
 * names) as ONNX ops, with TF.js's constants: relu6 is Clip(0, 6), hardSigmoid is
 * clip(0.2x + 0.5, 0, 1), selu uses tfjs's SELU_SCALE / SELU_SCALEALPHA, softmax and
 * logSoftmax run over the last TF.js axis, gelu is the exact erf form and gelu_new the tanh one.
 */
import { fail } from '../core/errors.js';
import { onnxAxis, type OnnxGraph, type Val } from './graph.js';

const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_SCALE_ALPHA = 1.7580993408473768599402175208123;

export const ACTIVATIONS = [
  'linear', 'relu', 'relu6', 'sigmoid', 'hardSigmoid', 'tanh', 'softmax', 'logSoftmax', 'elu', 'selu',
  'softplus', 'softsign', 'swish', 'mish', 'gelu', 'gelu_new',
] as const;

/** Clip(x, lo, hi) with opset-11+ min/max inputs. */
export function clip(g: OnnxGraph, x: Val, lo: number, hi: number, hint: string): Val {
  return { ...x, name: g.op('Clip', [x.name, g.scalar(lo), g.scalar(hi)], {}, hint) };
}

/** Apply the named activation to `x`; `where` names the layer in error messages. */
export function activate(g: OnnxGraph, x: Val, activation: string, hint: string, where: string): Val {
  const un = (type: string, v: Val = x, attrs = {}): Val => ({ ...x, name: g.op(type, [v.name], attrs, hint) });
  const bin = (type: string, a: string, b: string): Val => ({ ...x, name: g.op(type, [a, b], {}, hint) });
  switch (activation) {
    case 'linear': return x;
    case 'relu': return un('Relu');
    case 'relu6': return clip(g, x, 0, 6, hint);
    case 'sigmoid': return un('Sigmoid');
    case 'hardSigmoid': return un('HardSigmoid', x, { alpha: { float: 0.2 }, beta: { float: 0.5 } });
    case 'tanh': return un('Tanh');
    case 'softmax': return un('Softmax', x, { axis: { int: onnxAxis(x, -1) } });
    case 'logSoftmax': return un('LogSoftmax', x, { axis: { int: onnxAxis(x, -1) } });
    case 'elu': return un('Elu', x, { alpha: { float: 1 } });
    case 'selu': return un('Selu', x, { alpha: { float: SELU_SCALE_ALPHA / SELU_SCALE }, gamma: { float: SELU_SCALE } });
    case 'softplus': return un('Softplus');
    case 'softsign': return un('Softsign');
    case 'swish': return bin('Mul', x.name, un('Sigmoid').name);
    case 'mish': return bin('Mul', x.name, un('Tanh', un('Softplus')).name);
    case 'gelu': {
      // x · ½(1 + erf(x/√2))
      const erf = un('Erf', bin('Mul', x.name, g.scalar(Math.SQRT1_2)));
      const half = bin('Mul', bin('Add', erf.name, g.scalar(1)).name, g.scalar(0.5));
      return bin('Mul', x.name, half.name);
    }
    case 'gelu_new': {
      // ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
      const cube = bin('Mul', bin('Mul', x.name, x.name).name, x.name);
      const inner = bin('Add', x.name, bin('Mul', cube.name, g.scalar(0.044715)).name);
      const t = un('Tanh', bin('Mul', inner.name, g.scalar(Math.sqrt(2 / Math.PI))));
      const half = bin('Mul', bin('Add', t.name, g.scalar(1)).name, g.scalar(0.5));
      return bin('Mul', x.name, half.name);
    }
    default:
      return fail('E_ONNX', `${where} uses activation "${activation}", which the ONNX exporter does not support; supported: [${ACTIVATIONS.join(', ')}]`);
  }
}
