/**
 * The shape base that ships with the package (`--backbone synthetic`): a TF.js layers model.json
 * written by `branchnet pretrain` (pipeline/pretrain.ts) into assets/bases/synthetic/, read like any
 * other model.json base (from_file.ts) and cut at BACKBONE_PRESETS.synthetic.layer. The README
 * beside it says how it was made and the command that reproduces it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fail } from '../../core/errors.js';

/** assets/bases/synthetic/model.json of the package (the same relative path from src/ and dist/). */
export const SHIPPED_SYNTHETIC_BASE = fileURLToPath(new URL('../../../assets/bases/synthetic/model.json', import.meta.url));

/** The shipped base's model.json, or a clear error when the package lacks it. */
export function shippedSyntheticBase(): string {
  if (!existsSync(SHIPPED_SYNTHETIC_BASE)) {
    fail('E_WEIGHTS', `${SHIPPED_SYNTHETIC_BASE}: the shipped synthetic base is missing from this installation; reinstall branchnet, or make one with \`branchnet pretrain -o <dir>\` and pass --backbone-model <dir>/model.json`);
  }
  return SHIPPED_SYNTHETIC_BASE;
}
