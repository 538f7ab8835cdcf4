/**
 * `exportModel`: a saved model directory → an ONNX file (optionally as a Triton model folder) or
 * the static web page with the model. The library function behind `branchnet export`.
 *
 * @example
 * const r = await exportModel({ model: 'runs/a', format: 'onnx', out: 'a.onnx' });
 * console.log(r.out, r.verified?.maxAbsDiff);
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fail } from '../core/errors.js';
import { EXPORT_DEFAULTS } from '../core/defaults.js';
import { loadModelDir } from '../io/model_dir.js';
import { isBranchnetOnnx, onnxSignature, onnxWithMetadata, verifyOnnx, type OnnxSignature } from './onnx_file.js';
import { tritonFiles } from './triton.js';
import { webFiles } from './web.js';
import { writeExportDir, writeExportFile } from './output.js';

export type ExportFormat = 'onnx' | 'web';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['onnx', 'web'];

export interface ExportOptions {
  /** The model directory (made by train). */
  model: string;
  format: ExportFormat;
  /** Output: the .onnx file, the Triton model folder (triton), or the site folder (web). Default: beside the model (defaultExportOut). */
  out?: string;
  /** onnx only: write a Triton model folder (config.pbtxt, 1/model.onnx, labels) instead of a single file. */
  triton?: boolean;
  /** Replace an output that exists and that branchnet did not write. Default false. */
  overwrite?: boolean;
  /** onnx only: compare onnxruntime with TF.js on a few generated images. Default true. */
  verify?: boolean;
  opset?: number;
}

export interface ExportResult {
  format: ExportFormat;
  /** Absolute path of what was written (file or folder). */
  out: string;
  /** Relative paths written inside `out` (folders) or [basename] (file). */
  files: string[];
  signature?: OnnxSignature;
  verified?: { images: number; maxAbsDiff: number };
}

/** Where an export goes without -o: beside the model folder, e.g. runs/a → runs/a.onnx, runs/a-web, runs/triton/a. */
export function defaultExportOut(model: string, format: ExportFormat, triton: boolean): string {
  const dir = path.resolve(model);
  const name = path.basename(dir);
  if (format === 'web') return path.join(path.dirname(dir), `${name}-web`);
  return triton ? path.join(path.dirname(dir), 'triton', name) : path.join(path.dirname(dir), `${name}.onnx`);
}

export async function exportModel(opts: ExportOptions): Promise<ExportResult> {
  if (!EXPORT_FORMATS.includes(opts.format)) fail('E_ARGS', `export format "${String(opts.format)}" is unknown; use one of ${EXPORT_FORMATS.join(', ')}`);
  if (opts.triton && opts.format !== 'onnx') fail('E_ARGS', '--triton writes a Triton model folder for ONNX; use it with --format onnx');
  const triton = opts.triton ?? false;
  const out = path.resolve(opts.out ?? defaultExportOut(opts.model, opts.format, triton));
  const overwrite = opts.overwrite ?? false;
  if (path.resolve(opts.model) === out || out.startsWith(path.resolve(opts.model) + path.sep)) {
    fail('E_EXPORT_OUT', `${out}: is inside the model directory ${opts.model}; export somewhere else (-o)`);
  }
  try {
    await fs.access(path.join(opts.model, 'branchnet.json'));
  } catch {
    fail('E_MODEL_DIR', `${opts.model}: not a branchnet model directory (no branchnet.json); give a folder made by branchnet train`);
  }

  const { model, meta } = await loadModelDir(opts.model);
  try {
    const marker = { format: opts.format, triton, model: path.resolve(opts.model) };
    if (opts.format === 'web') {
      const files = await webFiles(opts.model, meta);
      await writeExportDir(out, files, marker, overwrite);
      return { format: 'web', out, files: Object.keys(files).sort() };
    }
    const bytes = onnxWithMetadata(model, meta, { opset: opts.opset });
    const signature = onnxSignature(bytes);
    const verified = opts.verify ?? true ? await verifyOnnx(bytes, model, meta) : undefined;
    if (verified && !(verified.maxAbsDiff <= EXPORT_DEFAULTS.verifyTolerance)) {
      fail('E_ONNX', `${opts.model}: onnxruntime and TF.js differ by ${verified.maxAbsDiff.toExponential(2)} on ${verified.images} images (accepted: ${EXPORT_DEFAULTS.verifyTolerance}); the export is wrong, please report it with the model's branchnet.json`);
    }
    if (triton) {
      const files = tritonFiles(path.basename(out), bytes, signature, meta.heads);
      await writeExportDir(out, files, marker, overwrite);
      return { format: 'onnx', out, files: Object.keys(files).sort(), signature, verified };
    }
    await writeExportFile(out, bytes, overwrite, isBranchnetOnnx);
    return { format: 'onnx', out, files: [path.basename(out)], signature, verified };
  } finally {
    model.dispose();
  }
}
