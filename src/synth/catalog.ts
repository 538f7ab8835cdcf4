/**
 * `synthesizeCatalog`: the pretraining catalog, the ImageNet analogue of the synthetic world.
 * Every garment type the generator draws (jeans, dress, shirt, shoes, skirt), on the same varied
 * backgrounds, poses and lighting as the demo set, but in colours drawn from the whole colour
 * space *outside* the neighbourhoods of the demo's colour words (black, blue, red; see
 * `COLOR_NEIGHBOURHOODS` in palette.ts). A conv base trained to tell the types apart on it has
 * learned shape from broad data with another colour distribution and has never seen a demo image.
 *
 *   <out>/train/<type>/NNNNNN.png    one head, `type` (a folder name with one part)
 *   <out>/catalog.json               generator version, options and every image's parameters
 *
 * Image keys start with "catalog|", so no catalog image shares a random stream with a demo image.
 * Same seed and options give the same bytes; a folder holding this exact catalog is reused.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fail } from '../core/errors.js';
import { ALL_TYPES, type SynthType } from './garments.js';
import { runInWorkers, SYNTH_VERSION, workerScript } from './generate.js';
import { type Job, type JobResult, runJobs } from './jobs.js';
import { CATALOG_EXCLUDED_COLORS, type SynthColor } from './palette.js';
import type { ImageParams } from './render.js';

export const CATALOG_GENERATOR = 'branchnet-synth-catalog';

export interface CatalogOptions {
  out: string;
  /** Seed of every random choice. */
  seed: number;
  /** Garment types (default: every type the generator draws). */
  types: readonly SynthType[];
  /** Images per type. */
  perType: number;
  /** Image width and height in pixels (default: the demo set's 128x160). */
  width: number;
  height: number;
  /** Worker threads (0 = automatic, as synthesize). */
  workers: number;
  onProgress?: (done: number, total: number) => void;
}

export const CATALOG_DEFAULTS = {
  seed: 7,
  types: ALL_TYPES,
  perType: 400,
  width: 128,
  height: 160,
  workers: 0,
} as const satisfies Omit<CatalogOptions, 'out' | 'onProgress'>;

export interface CatalogManifest {
  generator: typeof CATALOG_GENERATOR;
  version: string;
  optionsHash: string;
  options: { seed: number; types: SynthType[]; perType: number; width: number; height: number; excludedColors: SynthColor[] };
  images: { file: string; type: SynthType; params: ImageParams }[];
}

export interface CatalogResult {
  out: string;
  /** Folder to train on: `<out>/train`. */
  train: string;
  manifest: CatalogManifest;
  cached: boolean;
  seconds: number;
}

function check(name: string, v: unknown, ok: boolean, expected: string): void {
  if (!ok) fail('E_SYNTH_OPTION', `catalog option "${name}": received ${JSON.stringify(v)}; expected ${expected}.`);
}

/**
 * Generate (or reuse) the pretraining catalog.
 * @example const c = await synthesizeCatalog({ out: 'runs/base/catalog', perType: 400 }); // c.train → train with --heads type
 */
export async function synthesizeCatalog(opts: Partial<CatalogOptions> & { out: string }): Promise<CatalogResult> {
  const t0 = performance.now();
  const o = { ...CATALOG_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as unknown as CatalogOptions;
  check('seed', o.seed, Number.isInteger(o.seed) && o.seed >= 0, 'an integer ≥ 0');
  check('perType', o.perType, Number.isInteger(o.perType) && o.perType >= 1, 'an integer ≥ 1');
  check('types', o.types, Array.isArray(o.types) && o.types.length >= 2 && o.types.every((t) => (ALL_TYPES as readonly string[]).includes(t)), `at least 2 of: ${ALL_TYPES.join(', ')}`);
  for (const k of ['width', 'height'] as const) check(k, o[k], Number.isInteger(o[k]) && o[k] >= 32 && o[k] <= 2048, 'an integer from 32 to 2048');
  const options = { seed: o.seed, types: [...o.types], perType: o.perType, width: o.width, height: o.height, excludedColors: [...CATALOG_EXCLUDED_COLORS] };
  const hash = createHash('sha256').update(JSON.stringify({ v: SYNTH_VERSION, ...options })).digest('hex').slice(0, 16);
  const manifestPath = join(o.out, 'catalog.json');
  const train = join(o.out, 'train');
  let existing: CatalogManifest | null = null;
  if (existsSync(manifestPath)) {
    try {
      const m = JSON.parse(await readFile(manifestPath, 'utf8')) as CatalogManifest;
      if (m.generator === CATALOG_GENERATOR) existing = m;
    } catch { /* not ours */ }
  }
  if (existing && existing.version === SYNTH_VERSION && existing.optionsHash === hash && existing.images.every((im, i) => i % 97 !== 0 || existsSync(join(o.out, im.file)))) {
    return { out: o.out, train, manifest: existing, cached: true, seconds: (performance.now() - t0) / 1000 };
  }
  if (existsSync(o.out)) {
    if (!existing && (await readdir(o.out)).length > 0) {
      fail('E_SYNTH_OUT', `catalog output folder ${o.out} is not empty and holds no catalog (no catalog.json from ${CATALOG_GENERATOR}); choose an empty or new folder, so that nothing of yours is overwritten.`);
    }
    for (const name of ['train', 'catalog.json']) await rm(join(o.out, name), { recursive: true, force: true });
  }
  const jobs: Job[] = [];
  for (const type of options.types) {
    for (let i = 0; i < o.perType; i++) {
      jobs.push({ index: jobs.length, file: `train/${type}/${String(i).padStart(6, '0')}.png`, spec: { key: `catalog|${o.seed}|${type}|${i}`, color: 'catalog', type, width: o.width, height: o.height } });
    }
  }
  const params: ImageParams[] = new Array(jobs.length);
  let done = 0;
  const onDone = (r: JobResult): void => {
    params[r.index] = r.params;
    o.onProgress?.(++done, jobs.length);
  };
  const script = workerScript();
  const n = script ? (o.workers === 0 ? Math.min(2, availableParallelism()) : o.workers) : 0;
  if (script && n > 1 && jobs.length >= 16) await runInWorkers(o.out, jobs, n, script, onDone);
  else await runJobs(o.out, jobs, onDone);
  const manifest: CatalogManifest = {
    generator: CATALOG_GENERATOR,
    version: SYNTH_VERSION,
    optionsHash: hash,
    options,
    images: jobs.map((j, k) => ({ file: j.file, type: j.spec.type, params: params[k]! })),
  };
  // Written last: an interrupted run leaves no manifest, so it is never mistaken for a cache.
  await writeFile(manifestPath, JSON.stringify(manifest) + '\n');
  return { out: o.out, train, manifest, cached: false, seconds: (performance.now() - t0) / 1000 };
}
