/**
 * The browser-safe part of branchnet's public API: pure functions on typed arrays and plain data,
 * no Node modules, no TF.js. The web page (src/web/) imports only from here, so it computes its
 * pixels and labels with the very code Node's predict uses. src/index.ts re-exports all of it.
 *
 * @example
 * import { resizePixels, preprocess, labelHeads } from './browser.js';
 * const rgb = resizePixels(imageData.data, 4, h, w, 160, 128, 'nearest');
 * const x = preprocess(rgb!, 'rescale');
 */
export { preprocess, toPlanar, PREPROCESS_MODES, CAFFE_MEAN_BGR, type PreprocessMode } from './data/preprocess.js';
export { resizePixels, resizeNearest, nearestIndices, areaResize, RESIZE_IN_JS } from './data/resize.js';
export { labelHeads, type HeadVocab, type HeadPrediction } from './eval/labels.js';
export type { Interpolation } from './data/decode.js';
