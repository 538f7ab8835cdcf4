/**
 * `synthesize`: writes a synthetic catalog data set in the same layout as a real one,
 *   <out>/train/<color>_<type>/NNNNNN.png, <out>/test/<color>_<type>/NNNNNN.png,
 * plus <out>/manifest.json (generator version, seed, options and every image's parameters) and
 * optionally <out>/sheet.png. Same seed and options → the same bytes. A folder that already
 * holds a manifest for the same version and options is reused unless `force`.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { fail } from '../core/errors.js';
import { SYNTH_DEFAULTS } from '../core/defaults.js';
import { ALL_TYPES, type SynthType } from './garments.js';
import { type Job, type JobResult, runJobs } from './jobs.js';
import { ALL_COLORS, type SynthColor } from './palette.js';
import type { ImageParams } from './render.js';
import { renderSheet, type SheetRow } from './sheet.js';

/** Bumped whenever the generator's output changes for the same options. */
export const SYNTH_VERSION = '1.0.0';
export const GENERATOR_NAME = 'branchnet-synth';

/** The notebook's training combinations; black dress, black shirt and red jeans are unseen. */
export const NOTEBOOK_TRAIN_COMBOS: readonly string[] = ['black_jeans', 'blue_dress', 'blue_jeans', 'blue_shirt', 'red_dress', 'red_shirt'];

export interface SynthOptions {
  /** Output folder. */
  out: string;
  /** Seed of every random choice (non-negative integer). */
  seed: number;
  /** Colour names, a subset of black, blue, red, white, green. */
  colors: readonly SynthColor[];
  /** Garment types, a subset of jeans, dress, shirt, shoes, skirt. */
  types: readonly SynthType[];
  /**
   * Combinations in train/ as "<color>_<type>" names, or 'notebook' (the notebook's six where
   * present, plus two combinations for each extra colour and type) or 'all'.
   */
  trainCombos: readonly string[] | 'notebook' | 'all';
  /** Combinations in test/, or 'all' (the whole colour × type grid). */
  testCombos: readonly string[] | 'all';
  /** Images per training combination. */
  trainPerCombo: number;
  /** Images per test combination (0: no test/ folder). */
  testPerCombo: number;
  /** Image width and height in pixels. */
  width: number;
  height: number;
  /** Also write a labelled contact sheet: true → <out>/sheet.png, a string → that PNG path. */
  sheet: boolean | string;
  /** Regenerate even when <out> already holds this exact data set. */
  force: boolean;
  /** Worker threads (0 = automatic: up to 2, and none when running from TypeScript sources). */
  workers: number;
  /** Called after each image is written. */
  onProgress?: (done: number, total: number) => void;
}

export { SYNTH_DEFAULTS };
// The defaults (in ../core/defaults.ts) must fit the options.
SYNTH_DEFAULTS satisfies Omit<SynthOptions, 'out' | 'onProgress'>;

const OPTION_NAMES = ['out', ...Object.keys(SYNTH_DEFAULTS), 'onProgress'] as const;

/** Options after defaults and validation, with combinations resolved to explicit lists. */
export interface ResolvedSynthOptions {
  out: string;
  seed: number;
  colors: SynthColor[];
  types: SynthType[];
  trainCombos: string[];
  testCombos: string[];
  trainPerCombo: number;
  testPerCombo: number;
  width: number;
  height: number;
  sheet: boolean | string;
  force: boolean;
  workers: number;
}

export interface ManifestImage {
  file: string;
  split: 'train' | 'test';
  color: SynthColor;
  type: SynthType;
  index: number;
  params: ImageParams;
}

export interface SynthManifest {
  generator: typeof GENERATOR_NAME;
  version: string;
  seed: number;
  optionsHash: string;
  options: Omit<ResolvedSynthOptions, 'out' | 'sheet' | 'force' | 'workers'>;
  /** Test combinations absent from train/. */
  unseenCombos: string[];
  counts: { train: number; test: number };
  images: ManifestImage[];
}

export interface SynthResult {
  out: string;
  manifest: SynthManifest;
  /** True when an existing identical data set was reused. */
  cached: boolean;
  /** Images written by this call (0 when cached). */
  written: number;
  seconds: number;
  sheetPath?: string;
}

export function comboName(color: string, type: string): string {
  return `${color}_${type}`;
}

function optErr(name: string, received: unknown, expected: string): never {
  fail('E_SYNTH_OPTION', `synth option "${name}": received ${JSON.stringify(received)}; expected ${expected}.`);
}

function checkInt(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) optErr(name, v, `an integer from ${lo} to ${hi}`);
  return v;
}

function checkList<T extends string>(name: string, v: unknown, valid: readonly T[]): T[] {
  if (!Array.isArray(v) || v.length === 0) optErr(name, v, `a non-empty list of: ${valid.join(', ')}`);
  const seen = new Set<string>();
  for (const x of v) {
    if (typeof x !== 'string' || !(valid as readonly string[]).includes(x)) optErr(name, x, `one of: ${valid.join(', ')}`);
    if (seen.has(x)) optErr(name, v, `a list without duplicates (${x} appears twice)`);
    seen.add(x);
  }
  return v as T[];
}

/** The 'notebook' training set for any grid: the notebook's six, plus cover for extra colours/types. */
export function notebookTrainCombos(colors: readonly SynthColor[], types: readonly SynthType[]): string[] {
  const grid = new Set(colors.flatMap((c) => types.map((t) => comboName(c, t))));
  const chosen = new Set(NOTEBOOK_TRAIN_COMBOS.filter((c) => grid.has(c)));
  const has = (pred: (combo: string) => boolean): boolean => [...chosen].some(pred);
  colors.forEach((c, i) => {
    if (!has((k) => k.startsWith(`${c}_`))) {
      chosen.add(comboName(c, types[i % types.length]!));
      chosen.add(comboName(c, types[(i + 1) % types.length]!));
    }
  });
  types.forEach((t, i) => {
    if (!has((k) => k.endsWith(`_${t}`))) {
      chosen.add(comboName(colors[i % colors.length]!, t));
      chosen.add(comboName(colors[(i + 1) % colors.length]!, t));
    }
  });
  return colors.flatMap((c) => types.map((t) => comboName(c, t))).filter((k) => chosen.has(k));
}

function resolveCombos(name: string, v: unknown, colors: SynthColor[], types: SynthType[], allowNotebook: boolean): string[] {
  const grid = colors.flatMap((c) => types.map((t) => comboName(c, t)));
  if (v === 'all') return grid;
  if (v === 'notebook' && allowNotebook) return notebookTrainCombos(colors, types);
  const words = allowNotebook ? `'notebook', 'all'` : `'all'`;
  if (!Array.isArray(v)) optErr(name, v, `${words} or a list of <color>_<type> names from: ${grid.join(', ')}`);
  const set = new Set<string>();
  for (const x of v) {
    if (typeof x !== 'string' || !grid.includes(x)) {
      optErr(name, x, `a <color>_<type> name from the chosen colors (${colors.join(', ')}) and types (${types.join(', ')}): ${grid.join(', ')}`);
    }
    set.add(x);
  }
  if (set.size === 0) optErr(name, v, `${words} or a non-empty list of <color>_<type> names`);
  return grid.filter((k) => set.has(k));
}

/** Applies defaults and validates; errors name the option, the value received and the valid values. */
export function resolveSynthOptions(opts: Partial<SynthOptions> & { out: string }): ResolvedSynthOptions {
  if (opts === null || typeof opts !== 'object') optErr('options', opts, 'an object');
  for (const k of Object.keys(opts)) {
    if (!(OPTION_NAMES as readonly string[]).includes(k)) optErr(k, (opts as Record<string, unknown>)[k], `no such option; valid options: ${OPTION_NAMES.join(', ')}`);
  }
  const o = { ...SYNTH_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as unknown as SynthOptions;
  if (typeof o.out !== 'string' || o.out.length === 0) optErr('out', o.out, 'a folder path');
  const seed = checkInt('seed', o.seed, 0, 2 ** 32 - 1);
  const colors = checkList('colors', o.colors, ALL_COLORS);
  const types = checkList('types', o.types, ALL_TYPES);
  const trainCombos = resolveCombos('trainCombos', o.trainCombos, colors, types, true);
  const testCombos = resolveCombos('testCombos', o.testCombos, colors, types, false);
  const trainPerCombo = checkInt('trainPerCombo', o.trainPerCombo, 1, 1_000_000);
  const testPerCombo = checkInt('testPerCombo', o.testPerCombo, 0, 1_000_000);
  const width = checkInt('width', o.width, 32, 2048);
  const height = checkInt('height', o.height, 32, 2048);
  if (typeof o.sheet !== 'boolean' && (typeof o.sheet !== 'string' || o.sheet.length === 0)) optErr('sheet', o.sheet, 'true, false or a PNG file path');
  if (typeof o.force !== 'boolean') optErr('force', o.force, 'true or false');
  const workers = checkInt('workers', o.workers, 0, 64);
  return { out: o.out, seed, colors, types, trainCombos, testCombos, trainPerCombo, testPerCombo, width, height, sheet: o.sheet, force: o.force, workers };
}

function manifestOptions(r: ResolvedSynthOptions): SynthManifest['options'] {
  return {
    seed: r.seed,
    colors: r.colors,
    types: r.types,
    trainCombos: r.trainCombos,
    testCombos: r.testCombos,
    trainPerCombo: r.trainPerCombo,
    testPerCombo: r.testPerCombo,
    width: r.width,
    height: r.height,
  };
}

export function optionsHash(r: ResolvedSynthOptions): string {
  return createHash('sha256')
    .update(JSON.stringify({ v: SYNTH_VERSION, ...manifestOptions(r) }))
    .digest('hex')
    .slice(0, 16);
}

/** Reads <dir>/manifest.json, or returns null when there is none or it is not ours. */
export async function readManifest(dir: string): Promise<SynthManifest | null> {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) return null;
  try {
    const m = JSON.parse(await readFile(path, 'utf8')) as SynthManifest;
    return m && m.generator === GENERATOR_NAME ? m : null;
  } catch {
    return null;
  }
}

function planJobs(r: ResolvedSynthOptions): { jobs: Job[]; images: Omit<ManifestImage, 'params'>[] } {
  const jobs: Job[] = [];
  const images: Omit<ManifestImage, 'params'>[] = [];
  const splits: ['train' | 'test', string[], number][] = [
    ['train', r.trainCombos, r.trainPerCombo],
    ['test', r.testCombos, r.testPerCombo],
  ];
  for (const [split, combos, per] of splits) {
    for (const combo of combos) {
      const [color, type] = combo.split('_') as [SynthColor, SynthType];
      for (let i = 0; i < per; i++) {
        const file = `${split}/${combo}/${String(i).padStart(6, '0')}.png`;
        const index = jobs.length;
        jobs.push({ index, file, spec: { key: `${r.seed}|${split}|${combo}|${i}`, color, type, width: r.width, height: r.height } });
        images.push({ file, split, color, type, index: i });
      }
    }
  }
  return { jobs, images };
}

/** The compiled worker script next to this module, or null when running from sources. */
export function workerScript(): string | null {
  const url = new URL('./worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.js')) return null;
  const path = fileURLToPath(url);
  return existsSync(path) ? path : null;
}

export async function runInWorkers(out: string, jobs: Job[], n: number, script: string, onDone: (r: JobResult) => void): Promise<void> {
  const shares: Job[][] = Array.from({ length: n }, () => []);
  jobs.forEach((j, i) => shares[i % n]!.push(j));
  await Promise.all(
    shares.map(
      (share) =>
        new Promise<void>((resolve, reject) => {
          const w = new Worker(script, { workerData: { out, jobs: share }, resourceLimits: { maxYoungGenerationSizeMb: 48 } });
          w.on('message', (msg: { kind: string; result?: JobResult; message?: string }) => {
            if (msg.kind === 'done' && msg.result) onDone(msg.result);
            else if (msg.kind === 'end') void w.terminate().then(() => resolve());
            else if (msg.kind === 'error') {
              void w.terminate();
              reject(new Error(`synth worker failed: ${msg.message}`));
            }
          });
          w.on('error', reject);
        }),
    ),
  );
}

/** Generates (or reuses) a synthetic data set. */
export async function synthesize(opts: Partial<SynthOptions> & { out: string }): Promise<SynthResult> {
  const t0 = performance.now();
  const r = resolveSynthOptions(opts);
  const hash = optionsHash(r);
  const existing = await readManifest(r.out);
  const sheetPath = typeof r.sheet === 'string' ? r.sheet : join(r.out, 'sheet.png');
  if (existing && !r.force && existing.version === SYNTH_VERSION && existing.optionsHash === hash && allFilesPresent(r.out, existing)) {
    if (r.sheet && !existsSync(sheetPath)) await writeSheet(r.out, sheetPath);
    return { out: r.out, manifest: existing, cached: true, written: 0, seconds: (performance.now() - t0) / 1000, sheetPath: r.sheet ? sheetPath : undefined };
  }
  if (existsSync(r.out)) {
    const entries = await readdir(r.out);
    if (!existing && entries.length > 0) {
      fail(
        'E_SYNTH_OUT',
        `synth output folder ${r.out} is not empty and holds no synthetic data set (no manifest.json from ${GENERATOR_NAME}); ` +
          `choose an empty or new folder, so that nothing of yours is overwritten.`,
      );
    }
    // Ours: remove what a previous generation wrote, so no stale combination folders remain.
    for (const name of ['train', 'test', 'manifest.json', 'sheet.png']) await rm(join(r.out, name), { recursive: true, force: true });
  }

  const { jobs, images } = planJobs(r);
  const params: ImageParams[] = new Array(jobs.length);
  let done = 0;
  const onDone = (res: JobResult): void => {
    params[res.index] = res.params;
    done++;
    opts.onProgress?.(done, jobs.length);
  };
  const script = workerScript();
  const nWorkers = script ? (r.workers === 0 ? Math.min(2, availableParallelism()) : r.workers) : 0;
  if (script && nWorkers > 1 && jobs.length >= 16) {
    await runInWorkers(r.out, jobs, nWorkers, script, onDone);
  } else {
    await runJobs(r.out, jobs, onDone);
  }

  const train = images.filter((i) => i.split === 'train').length;
  const manifest: SynthManifest = {
    generator: GENERATOR_NAME,
    version: SYNTH_VERSION,
    seed: r.seed,
    optionsHash: hash,
    options: manifestOptions(r),
    unseenCombos: r.testCombos.filter((c) => !r.trainCombos.includes(c)),
    counts: { train, test: images.length - train },
    images: images.map((im, k) => ({ ...im, params: params[k]! })),
  };
  // Written last: an interrupted run leaves no manifest, so it is never mistaken for a cache.
  await writeFile(join(r.out, 'manifest.json'), JSON.stringify(manifest) + '\n');
  if (r.sheet) await writeSheet(r.out, sheetPath);
  return { out: r.out, manifest, cached: false, written: jobs.length, seconds: (performance.now() - t0) / 1000, sheetPath: r.sheet ? sheetPath : undefined };
}

function allFilesPresent(out: string, m: SynthManifest): boolean {
  if (m.images.length === 0) return true;
  const probe = [m.images[0]!, m.images[m.images.length >> 1]!, m.images[m.images.length - 1]!];
  return probe.every((im) => existsSync(join(out, im.file)));
}

/**
 * Writes a labelled contact sheet of a generated data set: one row per combination (test
 * images first, so unseen combinations appear), `perRow` images each.
 */
export async function writeSheet(dir: string, file = join(dir, 'sheet.png'), perRow = 8): Promise<string> {
  const m = await readManifest(dir);
  if (!m) fail('E_SYNTH_OUT', `no synthetic data set in ${dir} (manifest.json from ${GENERATOR_NAME} missing); run synth first.`);
  const combos = m.options.colors.flatMap((c) => m.options.types.map((t) => comboName(c, t)));
  const rows: SheetRow[] = [];
  for (const combo of combos) {
    const inTrain = m.options.trainCombos.includes(combo);
    const inTest = m.options.testCombos.includes(combo) && m.options.testPerCombo > 0;
    if (!inTrain && !inTest) continue;
    const pick = [
      ...m.images.filter((im) => im.split === 'test' && comboName(im.color, im.type) === combo),
      ...m.images.filter((im) => im.split === 'train' && comboName(im.color, im.type) === combo),
    ].slice(0, perRow);
    const tiles = await Promise.all(
      pick.map(async (im) => {
        const { data, info } = await sharp(join(dir, im.file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        return { rgb: data, width: info.width, height: info.height };
      }),
    );
    const [color, type] = combo.split('_');
    rows.push({ label: `${color} ${type}`, note: inTrain ? (inTest ? 'train + test' : 'train only') : 'test only (unseen)', tiles });
  }
  const title = `branchnet synth v${m.version} · seed ${m.seed} · ${m.counts.train} train / ${m.counts.test} test images`;
  await writeFile(file, await renderSheet(rows, title));
  return file;
}

