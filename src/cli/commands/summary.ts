/** `branchnet summary [model]`: the per-branch table of a saved model or of a config. */
import { usesBackbone, type PhaseConfig, type TrainConfig, initBackend, resolveConfig, applyPhase, buildModel, loadModelResources, withCachedWeights, formatSummary, summarize, loadModelDir } from '../../index.js';
import type { SummaryArgs } from '../parse.js';

export async function summaryCommand(args: SummaryArgs): Promise<number> {
  await initBackend({ backend: args.backend ?? 'cpu', threads: args.threads });
  let model;
  let config;
  if (args.model) {
    const saved = await loadModelDir(args.model);
    model = saved.model;
    config = saved.meta.config;
    process.stdout.write(`heads: ${saved.meta.heads.map((h) => `${h.name} [${h.vocab.join(', ')}]`).join('; ')}\n`);
  } else {
    config = withCachedWeights(resolveConfig(args.config), (m) => process.stderr.write(m + '\n'));
    const heads = config.model.heads.map((name, i) => ({ name, vocab: Array.from({ length: args.classes[i] ?? 3 }, (_, k) => `class${k}`) }));
    model = buildModel(config.model, heads, config.seed, await loadModelResources(config.model));
  }
  config.phases.forEach((phase, i) => {
    applyPhase(model, config.model.heads, phase);
    process.stdout.write(formatSummary(summarize(model), `Phase ${i + 1} (${phase.name}, ${baseState(config, phase)})`) + '\n\n');
  });
  model.dispose();
  return 0;
}

/** What the phase does with the conv base, as it really is: a scratch base always trains; a pretrained one is frozen or fine-tuned from a layer. */
function baseState(config: TrainConfig, phase: PhaseConfig): string {
  const { arch, branches } = config.model;
  const name = config.model.backbone.backbone;
  if (!usesBackbone(arch, branches)) return 'no conv base';
  if (name === 'scratch') return 'scratch base: trains in every phase';
  return phase.unfreeze === null ? `${name} base frozen` : `${name} base fine-tuned from ${phase.unfreeze}`;
}
