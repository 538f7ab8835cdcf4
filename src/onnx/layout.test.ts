/** Planar (NCHW) input for onnxruntime: the exported graph without its leading Transpose gives what TF.js gives on NHWC. */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.js';
import { tf } from '../core/tf.js';
import { preprocess, toPlanar } from '../data/preprocess.js';
import { OrtModel } from './session.js';
import pkg from 'onnx-proto';
import { exportOnnx } from './export.js';

const { onnx } = pkg;

describe('NCHW input layout', () => {
  beforeAll(async () => { await initBackend({ backend: 'cpu' }); });

  it('toPlanar moves interleaved RGB to planes; preprocess can write planar directly', () => {
    const hwc = Float32Array.from([1, 2, 3, 4, 5, 6]); // two pixels
    expect(Array.from(toPlanar(hwc))).toEqual([1, 4, 2, 5, 3, 6]);
    const px = Uint8Array.from([0, 51, 255, 255, 102, 0]);
    expect(Array.from(preprocess(px, 'rescale', undefined, 'nchw'))).toEqual(Array.from(toPlanar(preprocess(px, 'rescale'))));
    expect(() => toPlanar(new Float32Array(4))).toThrow();
  });

  it('an nchw export has a [N, C, H, W] input, no leading Transpose, and the same outputs', async () => {
    const input = tf.input({ shape: [13, 11, 3], name: 'images' });
    const c = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'c1' }).apply(input) as tf.SymbolicTensor;
    const f = tf.layers.flatten({ name: 'f' }).apply(c) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'head' }).apply(f) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const proto = onnx.ModelProto.decode(exportOnnx(model, { inputLayout: 'nchw' }));
    const dims = proto.graph!.input![0].type!.tensorType!.shape!.dim!.map((d) => d.dimValue ? Number(d.dimValue) : d.dimParam);
    expect(dims).toEqual(['N', 3, 13, 11]);
    expect(proto.graph!.node![0].opType).not.toBe('Transpose');
    const ort = (await OrtModel.create(model, { threads: 1, inputLayout: 'nchw' }))!;
    const x = Float32Array.from({ length: 2 * 13 * 11 * 3 }, (_, i) => ((i * 37) % 101) / 101);
    const per = 13 * 11 * 3;
    const planar = new Float32Array(x.length);
    for (let i = 0; i < 2; i++) toPlanar(x.subarray(i * per, (i + 1) * per), planar.subarray(i * per, (i + 1) * per));
    const [got] = await ort.runArrays([{ data: planar, shape: [2, 3, 13, 11] }]);
    const want = tf.tidy(() => (model.predict(tf.tensor4d(x, [2, 13, 11, 3])) as tf.Tensor).dataSync());
    expect(got.shape).toEqual([2, 3]);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got.data[i] - want[i])).toBeLessThan(1e-5);
    await expect(ort.run(tf.zeros([1, 13, 11, 3]))).rejects.toThrow(/feed it with runArrays/);
    await ort.dispose();
    model.dispose();
  });
});
