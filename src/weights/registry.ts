/**
 * The pretrained weight files branchnet knows how to fetch, as plain data. `branchnet weights get`
 * downloads one into the cache (./cache.ts); training looks it up there with `cachedWeightsPath`.
 * Tests pass their own entries (`{ registry: [...] }`) instead of this list.
 */
import { fail } from '../core/errors.js';

export type WeightsFormat = 'keras-h5' | 'tfjs-layers';
export type HashAlgo = 'md5' | 'sha256';

export interface Checksum {
  algo: HashAlgo;
  /** Lower-case hex digest. */
  hex: string;
}

export interface WeightsEntry {
  /** The name `branchnet weights get <name>` takes. */
  name: string;
  /** Other names that select the same entry. */
  aliases?: readonly string[];
  description: string;
  format: WeightsFormat;
  /** The backbone these weights initialise. */
  backbone: string;
  /**
   * The file to fetch: the .h5 file, or the TF.js model.json whose `weightsManifest` names the
   * shards (fetched from the same folder URL).
   */
  url: string;
  /**
   * Where the file lives, relative to the weights folder of the cache. A keras-h5 entry is one
   * file; a tfjs-layers entry is `<folder>/model.json`, and its shards land in that folder.
   */
  path: string;
  /** Published size in bytes of the file at `url`, when known. */
  size?: number;
  /** Published checksum of the file at `url`; without one, sha256 is recorded on first download. */
  checksum?: Checksum;
}

const KERAS_VGG16 = 'https://storage.googleapis.com/tensorflow/keras-applications/vgg16/';
const TFJS_MODELS = 'https://storage.googleapis.com/tfjs-models/tfjs/';

export const WEIGHTS: readonly WeightsEntry[] = [
  {
    name: 'vgg16',
    aliases: ['vgg16-notop'],
    description: "Keras VGG16 ImageNet weights without the classifier top (Keras's vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5)",
    format: 'keras-h5',
    backbone: 'vgg16',
    url: `${KERAS_VGG16}vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    path: 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5',
    size: 58_889_256,
    checksum: { algo: 'md5', hex: '6d6bbae143d832006294945121d1f1fc' },
  },
  {
    name: 'mobilenet_v1_0.25_224',
    description: 'MobileNet v1, width 0.25, 224x224 ImageNet classifier as a TF.js layers model',
    format: 'tfjs-layers',
    backbone: 'mobilenet',
    url: `${TFJS_MODELS}mobilenet_v1_0.25_224/model.json`,
    path: 'mobilenet_v1_0.25_224/model.json',
  },
  {
    name: 'mobilenet_v1_1.0_224',
    description: 'MobileNet v1, width 1.0, 224x224 ImageNet classifier as a TF.js layers model',
    format: 'tfjs-layers',
    backbone: 'mobilenet',
    url: `${TFJS_MODELS}mobilenet_v1_1.0_224/model.json`,
    path: 'mobilenet_v1_1.0_224/model.json',
  },
];

/** Label of a name with its aliases, e.g. `vgg16 (vgg16-notop)`. */
export function entryLabel(e: WeightsEntry): string {
  return e.aliases?.length ? `${e.name} (${e.aliases.join(', ')})` : e.name;
}

/**
 * The entry a name or alias selects.
 * @example findWeights('vgg16-notop').name // 'vgg16'
 * Throws BranchnetError E_WEIGHTS for an unknown name, listing the known ones.
 */
export function findWeights(name: string, registry: readonly WeightsEntry[] = WEIGHTS): WeightsEntry {
  const hit = registry.find((e) => e.name === name || e.aliases?.includes(name));
  if (hit) return hit;
  fail('E_WEIGHTS', `unknown weights "${name}"; known weights: ${registry.map(entryLabel).join(', ') || 'none'}; run branchnet weights list`);
}
