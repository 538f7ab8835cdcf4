/**
 * Config layering, the library's way to build a run's config the way the CLI does: a preset,
 * then a config file, then explicit settings (flags), each later source overriding the earlier
 * ones key by key (phases element by element). The result is a partial config that
 * `resolveConfig` (./defaults.ts) fills and checks.
 */
import fs from 'node:fs/promises';
import { fail } from './errors.js';
import { QUICK_PRESET, type PartialTrainConfig } from './defaults.js';

/** Named presets (`--preset`). */
export const PRESETS = { quick: QUICK_PRESET } as const;
export type PresetName = keyof typeof PRESETS;

/** Deep merge of plain config objects: `over` wins; arrays replace, except `phases`, merged per index. */
export function mergeConfig<T>(base: T, over: T): T {
  if (Array.isArray(over) || typeof over !== 'object' || over === null) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) && Array.isArray(out[k]) && k === 'phases'
      ? (v as unknown[]).map((p, i) => mergeConfig((out[k] as unknown[])[i], p))
      : mergeConfig(out[k], v);
  }
  return out as T;
}

/** A config file: a partial config, or a model's branchnet.json (its saved config), so any run can be repeated. */
export async function readConfigFile(file: string): Promise<PartialTrainConfig> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    fail('E_CONFIG', `${file}: cannot read the config file; check the path given to --config`);
  }
  try {
    const json = JSON.parse(text);
    return (json.format === 'branchnet-model' ? json.config : json) as PartialTrainConfig;
  } catch (e) {
    fail('E_CONFIG', `${file}: not valid JSON (${(e as Error).message})`);
  }
}

export interface LoadConfigOptions {
  preset?: PresetName;
  /** A config file (`--config`). */
  file?: string;
  /** Explicit settings, e.g. from flags; they win. */
  config?: PartialTrainConfig;
}

/**
 * Preset, then config file, then explicit settings.
 * @example const partial = await loadConfig({ preset: 'quick', file: 'run.json', config: { seed: 7 } });
 */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<PartialTrainConfig> {
  const preset = opts.preset ? PRESETS[opts.preset] : {};
  const file = opts.file ? await readConfigFile(opts.file) : {};
  return mergeConfig(mergeConfig(preset, file), opts.config ?? {});
}
