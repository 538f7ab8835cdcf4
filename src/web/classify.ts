/**
 * The page's model: load `model/branchnet.json` and `model/model.json` by relative URL, then turn
 * an image file into labels per head with exactly Node's preprocessing. Decoding is the
 * browser's (EXIF orientation applied, no colour conversion, alpha composited onto white as
 * Node's decode does); resizing, scaling and labelling are branchnet's own shared functions
 * (../browser.ts), the same code `branchnet predict` runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { labelHeads, preprocess, resizePixels, RESIZE_IN_JS, type HeadPrediction, type HeadVocab, type Interpolation, type PreprocessMode } from '../browser.js';

/** The part of branchnet.json the page reads. */
export interface PageMeta {
  heads: HeadVocab[];
  config: { model: { height: number; width: number; preprocess: PreprocessMode }; data: { interpolation: Interpolation } };
}

export interface Classifier {
  meta: PageMeta;
  /** Why the page cannot reproduce this model's preprocessing, or null when it can. */
  unsupported: string | null;
  classify(file: Blob): Promise<Record<string, HeadPrediction>>;
}

async function fetchJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Decode to RGBA at natural size, composited onto white (Node's decode flattens alpha onto white). */
export async function decodeRgba(file: Blob): Promise<{ data: Uint8ClampedArray; height: number; width: number }> {
  const bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', imageOrientation: 'from-image' });
  try {
    const canvas = document.createElement('canvas');
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('this browser gives no 2D canvas');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, bitmap.width, bitmap.height);
    ctx.drawImage(bitmap, 0, 0);
    return { data: ctx.getImageData(0, 0, bitmap.width, bitmap.height).data, height: bitmap.height, width: bitmap.width };
  } finally {
    bitmap.close();
  }
}

/** Load the model next to the page. The cpu backend: no extra files, same in every browser. */
export async function loadClassifier(base = 'model/'): Promise<Classifier> {
  await tf.setBackend('cpu');
  await tf.ready();
  const meta = await fetchJson<PageMeta>(`${base}branchnet.json`);
  const model: LayersModel = await loadLayersModel(`${base}model.json`);
  const { height, width, preprocess: mode } = meta.config.model;
  const interpolation = meta.config.data.interpolation;
  const unsupported = RESIZE_IN_JS.includes(interpolation) ? null
    : `This model was trained with "${interpolation}" resizing, which the page cannot reproduce exactly (it can: ${RESIZE_IN_JS.join(', ')}). Use \`branchnet predict\` or \`branchnet serve\` for this model.`;
  return {
    meta,
    unsupported,
    async classify(file: Blob) {
      const img = await decodeRgba(file);
      const rgb = resizePixels(img.data, 4, img.height, img.width, height, width, interpolation);
      if (!rgb) throw new Error(unsupported ?? `interpolation ${interpolation} unsupported`);
      const x = preprocess(rgb, mode);
      const rows = tf.tidy(() => {
        const out = model.predict(tf.tensor4d(x, [1, height, width, 3]));
        return (Array.isArray(out) ? out : [out]).map((t) => Array.from(t.dataSync()));
      });
      return labelHeads(meta.heads, rows);
    },
  };
}
