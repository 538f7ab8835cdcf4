import { describe, expect, it } from 'vitest';
import { BranchnetError } from '../core/errors.js';
import { entryLabel, findWeights, WEIGHTS } from './registry.js';

describe('the weights registry', () => {
  it('vgg16 is Keras’s notop file with its published size and md5', () => {
    const e = findWeights('vgg16');
    expect(e).toMatchObject({
      format: 'keras-h5', backbone: 'vgg16', size: 58_889_256,
      url: 'https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5',
      path: 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5',
      checksum: { algo: 'md5', hex: '6d6bbae143d832006294945121d1f1fc' },
    });
    expect(findWeights('vgg16-notop')).toBe(e);
    expect(entryLabel(e)).toBe('vgg16 (vgg16-notop)');
  });

  it('the MobileNets are TF.js layers models with no published checksum', () => {
    for (const name of ['mobilenet_v1_0.25_224', 'mobilenet_v1_1.0_224']) {
      expect(findWeights(name)).toMatchObject({
        format: 'tfjs-layers', backbone: 'mobilenet', path: `${name}/model.json`,
        url: `https://storage.googleapis.com/tfjs-models/tfjs/${name}/model.json`,
      });
      expect(findWeights(name).checksum).toBeUndefined();
    }
  });

  it('names and aliases are unique; an unknown name lists the known ones', () => {
    const names = WEIGHTS.flatMap((e) => [e.name, ...(e.aliases ?? [])]);
    expect(new Set(names).size).toBe(names.length);
    expect(() => findWeights('resnet50')).toThrow(BranchnetError);
    expect(() => findWeights('resnet50')).toThrow('unknown weights "resnet50"; known weights: vgg16 (vgg16-notop), mobilenet_v1_0.25_224, mobilenet_v1_1.0_224; run branchnet weights list');
    expect(() => findWeights('x', [])).toThrow(/known weights: none/);
  });
});
