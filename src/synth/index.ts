/** Procedural clothing-photo generator: the embedded default data set. */
export {
  comboName,
  GENERATOR_NAME,
  NOTEBOOK_TRAIN_COMBOS,
  notebookTrainCombos,
  optionsHash,
  readManifest,
  resolveSynthOptions,
  SYNTH_DEFAULTS,
  SYNTH_VERSION,
  synthesize,
  writeSheet,
  type ManifestImage,
  type ResolvedSynthOptions,
  type SynthManifest,
  type SynthOptions,
  type SynthResult,
} from './generate.js';
export { ALL_TYPES, type SynthType } from './garments.js';
export { ALL_COLORS, BACKDROP_HUE_BANDS, COLOR_RANGES, TARGET_HUE_BANDS, type SynthColor } from './palette.js';
export { renderImage, type ImageSpec, type RenderedImage } from './render.js';
export { fitSoftmax, predictSoftmax, triviaBaseline, triviaFeatures, type TriviaOptions, type TriviaResult } from './trivia.js';
