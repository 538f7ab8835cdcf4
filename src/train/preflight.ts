/**
 * What `train` checks before any long work: that the backbone has weights (or the user asked
 * for a random one), and the data check (data/check.ts). Fatal problems stop the run here with
 * a message that says how to fix them; warnings are logged, and the files they name are left
 * out of the manifest training uses.
 */
import { fail } from '../core/errors.js';
import { BACKBONE_PRESETS, usesBackbone, type TrainConfig } from '../core/defaults.js';
import { checkData, type CheckReport } from '../data/check.js';
import { formatProblem } from '../data/check_format.js';
import type { Manifest } from '../data/manifest.js';

/**
 * A frozen base with random weights gives the heads it feeds nothing to learn from: the
 * notebook's schedule then ends at chance for the type head after 22 minutes. Refuse unless
 * the user asked for it (model.backbone.allowUntrained, `--untrained-base`).
 */
export function refuseUntrainedBase(config: TrainConfig): void {
  const { backbone, weights, allowUntrained } = config.model.backbone;
  if (weights !== null || allowUntrained || backbone === 'scratch' || !usesBackbone(config.model.arch, config.model.branches)) return;
  const name = BACKBONE_PRESETS[backbone].weightsName ?? backbone;
  fail(
    'E_WEIGHTS',
    `backbone ${backbone}: no weights file was given and none is cached, so its frozen base would be random and the heads it feeds would learn nothing (chance accuracy). Either:\n` +
      `  1. branchnet weights get ${name}      (download once into the cache; train then finds it)\n` +
      `  2. --weights <file.h5|model.json>     (a file you already have)\n` +
      `  3. --backbone scratch                 (a small conv base trained from scratch)\n` +
      `To train on a random base anyway, pass --untrained-base (config model.backbone.allowUntrained: true)`,
  );
}

/**
 * The data check before training: throws E_DATA_CHECK on fatal problems, logs the rest.
 * @example const { manifest, check } = await preflightData('data/train', config, console.error);
 */
export async function preflightData(data: string, config: TrainConfig, log: (m: string) => void): Promise<{ manifest: Manifest; check: CheckReport }> {
  const { report, manifest } = await checkData(data, { heads: config.model.heads, skipInvalidFolders: config.data.skipInvalidFolders });
  const root = manifest?.root ?? data;
  if (!report.ok || manifest === null) {
    const fatal = report.problems.filter((p) => p.severity === 'fatal');
    fail(
      'E_DATA_CHECK',
      `${data}: ${fatal.length} fatal problem${fatal.length === 1 ? '' : 's'} in the data; fix ${fatal.length === 1 ? 'it' : 'them'} and train again (\`branchnet check ${data}\` lists everything):\n` +
        fatal.map((p) => `  ${formatProblem(p, root)}`).join('\n'),
    );
  }
  for (const p of report.problems) log(`data check: ${formatProblem(p, root)}`);
  if (report.counts.warning) log(`data check: ${manifest.skipped.length} path(s) left out, ${report.images} images used`);
  return { manifest, check: report };
}
