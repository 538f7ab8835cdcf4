/** `branchnet export <model> --format onnx|web [-o out] [--triton]`: a thin client of exportModel. */
import path from 'node:path';
import { EXPORT_DEFAULTS, exportModel, initBackend } from '../../index.js';
import type { ExportArgs } from '../parse.js';

export async function exportCommand(args: ExportArgs): Promise<number> {
  await initBackend({ backend: args.backend, threads: args.threads });
  const r = await exportModel({ model: args.model, format: args.format, out: args.out, triton: args.triton, overwrite: args.overwrite, verify: args.verify });
  const rel = path.relative(process.cwd(), r.out) || '.';
  if (r.signature) {
    const dims = (d: (number | null)[]) => `[${d.map((v) => v ?? 'N').join(', ')}]`;
    process.stdout.write(`inputs:  ${r.signature.inputs.map((v) => `${v.name} ${dims(v.dims)}`).join(', ')}\n`);
    process.stdout.write(`outputs: ${r.signature.outputs.map((v) => `${v.name} ${dims(v.dims)}`).join(', ')}\n`);
  }
  if (r.verified) {
    process.stdout.write(`verified: onnxruntime vs TF.js on ${r.verified.images} generated images, max abs difference ${r.verified.maxAbsDiff.toExponential(2)} (accepted ${EXPORT_DEFAULTS.verifyTolerance})\n`);
  } else if (r.format === 'onnx') {
    process.stdout.write('not verified (--no-verify)\n');
  }
  if (r.format === 'web') {
    process.stdout.write(`web page written to ${rel}/ (${r.files.length} files); serve it with any static server, e.g. \`python3 -m http.server -d ${rel}\`\n`);
  } else if (args.triton) {
    process.stdout.write(`Triton model folder written to ${rel}/ (${r.files.join(', ')}); run \`tritonserver --model-repository ${path.dirname(rel)}\`\n`);
  } else {
    process.stdout.write(`ONNX file written to ${rel}\n`);
  }
  return 0;
}
