/** `branchnet pretrain -o <dir>`: the catalog, the type classifier, its conv base written as a TF.js layers model. */
import path from 'node:path';
import { pretrain } from '../../index.js';
import { progressCallbacks } from '../progress.js';
import type { PretrainArgs } from '../parse.js';

export async function pretrainCommand(args: PretrainArgs): Promise<number> {
  const r = await pretrain({
    out: args.out, work: args.work, seed: args.seed, catalogSeed: args.catalogSeed, perType: args.perType,
    height: args.size?.[0], width: args.size?.[1], epochs: args.epochs, stepsPerEpoch: args.steps,
    validationSteps: args.valSteps, learningRate: args.lr, batchSize: args.batchSize,
    backend: { backend: args.backend, threads: args.threads }, engine: args.engine,
    callbacks: progressCallbacks({ quiet: args.quiet }),
  });
  const acc = r.info.validation.typeAccuracy;
  process.stdout.write([
    `base:      ${r.modelJson} (${r.info.height}x${r.info.width}, cut at ${r.info.layer})`,
    `trained on ${r.info.trainedOn}`,
    `validation type accuracy on held-out catalog images: ${acc === null ? 'n/a' : (100 * acc).toFixed(1) + '%'} (${r.info.validation.images} images)`,
    `use it:    --backbone-model ${path.relative(process.cwd(), r.modelJson) || r.modelJson} --backbone-layer ${r.info.layer}`,
    '',
  ].join('\n'));
  return 0;
}
