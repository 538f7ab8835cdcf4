/**
 * A tiny trained model for the export and web-page tests: 32x32 input, scratch conv base, a few
 * steps on generated images (so its probabilities are not all a third), plus two test images.
 * Not a test file itself.
 */
import path from 'node:path';
import { train } from '../src/pipeline/train.js';
import { makeDataset, makeImage, NOTEBOOK_COMBOS, tmpDir } from './fixtures.js';

export interface TinyModel {
  root: string;
  modelDir: string;
  /** Two images the model has not seen: a PNG (opaque) and a PNG with transparency. */
  images: string[];
}

export async function makeTinyModel(opts: { interpolation?: 'nearest' | 'area' | 'bilinear' } = {}): Promise<TinyModel> {
  const root = await tmpDir('branchnet-export-');
  await makeDataset(path.join(root, 'train'), NOTEBOOK_COMBOS, 4, { width: 40, height: 50 });
  const modelDir = path.join(root, 'model');
  await train({
    data: path.join(root, 'train'),
    out: modelDir,
    config: {
      model: { height: 32, width: 32, backbone: { backbone: 'scratch' } },
      data: { batchSize: 8, interpolation: opts.interpolation ?? 'nearest' },
      phases: [{ epochs: 1, stepsPerEpoch: 4, validationSteps: 1, learningRate: 3e-3 }, { epochs: 0 }],
      seed: 3,
    },
    log: () => {},
  });
  const images = [path.join(root, 'new', 'black_dress.png'), path.join(root, 'new', 'red_jeans.png')];
  await makeImage(images[0]!, 'black', 'dress', { width: 90, height: 120, seed: 5 });
  await makeImage(images[1]!, 'red', 'jeans', { width: 57, height: 71, seed: 6 });
  return { root, modelDir, images };
}
