/**
 * The data check: everything about a data set that can be known without decoding pixels, so
 * it stays fast on thousands of photos. `branchnet check` prints it; `train` runs it first,
 * refuses fatal problems and trains only on the files it passes (train/preflight.ts).
 *
 * One pass over the manifest (manifest.ts walks the folders: symlink loops followed once,
 * broken links, FIFOs, stray folders and files listed with a code), then per file:
 *   1. stat: empty files (0 bytes) and files that cannot be opened (unreadable);
 *   2. the first and last bytes (CHECK_DEFAULTS.tailBytes): BMP by its `BM` magic, and
 *      truncation where the format has an end marker a header read can see: JPEG must end with
 *      FFD9 (EOI), PNG with its IEND chunk, GIF with the 3B trailer, WebP must be as long as
 *      its RIFF header says. A cut-off TIFF or AVIF is not detectable this way; decoding still
 *      catches it during training (batches.ts onSkip names the file);
 *   3. `sharp(file).metadata()`, which parses the header only (no pixel decode): format,
 *      width × height; too small (shorter side under CHECK_DEFAULTS.minSide), over the pixel
 *      limit decoding enforces (DEFAULT_LIMIT_INPUT_PIXELS), or not an image at all;
 *   4. SHA-256 of the content, streamed: exact copies in one combination are duplicates (the
 *      first by path is kept, so a copy can never sit in both training and validation); copies
 *      in different combinations are a labelling conflict (all copies left out).
 * Then the set as a whole: combinations with no usable image, heads with a single label (fatal:
 * nothing to learn), and combinations of the heads' labels that have no images (a note: unseen
 * combinations are what the split design is about).
 *
 * Plain data out: a CheckReport (JSON-ready) and the manifest narrowed to the usable files.
 * Severity: fatal problems stop `train` (E_DATA_CHECK) and make `branchnet check` exit 1;
 * warnings leave files out and training goes on; notes are facts worth knowing.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { CHECK_DEFAULTS } from '../core/defaults.js';
import { DEFAULT_LIMIT_INPUT_PIXELS } from './decode.js';
import { type Head, type Item, type Manifest, type SkipCode, type Skipped, loadManifest } from './manifest.js';

export type ProblemCode =
  | SkipCode
  | 'empty_file'
  | 'truncated'
  | 'too_small'
  | 'over_pixel_limit'
  | 'duplicate'
  | 'label_conflict'
  | 'empty_combination'
  | 'single_label_head'
  | 'missing_combination'
  | 'no_images';

export type Severity = 'fatal' | 'warning' | 'info';

/** The severity of each kind of problem (bad_folder_name is a warning with skipInvalidFolders). */
export const PROBLEM_SEVERITY: Record<ProblemCode, Severity> = {
  bad_folder_name: 'fatal',
  single_label_head: 'fatal',
  no_images: 'fatal',
  not_an_image: 'warning',
  unsupported_format: 'warning',
  outside_combination: 'warning',
  symlink_loop: 'warning',
  dangling_link: 'warning',
  not_a_file: 'warning',
  unreadable: 'warning',
  listed_twice: 'warning',
  missing_file: 'warning',
  empty_file: 'warning',
  truncated: 'warning',
  too_small: 'warning',
  over_pixel_limit: 'warning',
  duplicate: 'warning',
  label_conflict: 'warning',
  empty_combination: 'warning',
  missing_combination: 'info',
};

export interface CheckProblem {
  code: ProblemCode;
  severity: Severity;
  /** A file or folder path, or for set-level problems a head name or a combination. */
  subject: string;
  /** What was found and how to fix it. */
  message: string;
}

export interface CheckReport {
  source: string;
  heads: string[];
  /** Paths looked at: image candidates plus every path listed as a problem. */
  files: number;
  /** Images that pass every check (what training uses). */
  images: number;
  /** Usable images per combination, every combination folder included (empty ones as 0). */
  combinations: Record<string, number>;
  /** Usable images per label, per head. */
  labels: Record<string, Record<string, number>>;
  /** Usable images per format as sharp names it (jpeg, png, gif, webp, tiff, heif, …). */
  formats: Record<string, number>;
  /** Image sizes (width x height) of usable images: the most common ones, smallest and largest by pixels. */
  sizes: { common: { size: string; images: number }[]; smallest: string; largest: string } | null;
  /** Sorted: fatal first, then warnings, then notes; within each, by subject. */
  problems: CheckProblem[];
  counts: Record<Severity, number>;
  /** No fatal problem: training can start. */
  ok: boolean;
}

export interface CheckOptions {
  /** Head names (default color,type for folders; the CSV's columns). */
  heads?: string[];
  /** Stray folders are warnings (left out) instead of fatal. */
  skipInvalidFolders?: boolean;
  minSide?: number;
  limitInputPixels?: number;
  concurrency?: number;
}

export interface CheckResult {
  report: CheckReport;
  /**
   * The manifest narrowed to usable files, its vocabularies rebuilt from them and every left-out
   * path in `skipped`; null when there is no usable image.
   */
  manifest: Manifest | null;
}

/** What the per-file scan learnt about one image candidate. */
type FileFacts = { ok: true; format: string; width: number; height: number; sha256: string } | { ok: false; code: ProblemCode; message: string };

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const SEVERITY_RANK: Record<Severity, number> = { fatal: 0, warning: 1, info: 2 };

/**
 * Check a data folder or CSV without decoding pixels.
 * @example const { report } = await checkData('data/train'); report.ok // false when training would refuse
 */
export async function checkData(source: string, opts: CheckOptions = {}): Promise<CheckResult> {
  const manifest = await loadManifest(source, { heads: opts.heads, invalidFolders: 'skip', allowEmpty: true });
  const problems: CheckProblem[] = [];
  const skipped: Skipped[] = [];
  const add = (code: ProblemCode, subject: string, message: string, leftOut: boolean): void => {
    const severity = code === 'bad_folder_name' && opts.skipInvalidFolders ? 'warning' : PROBLEM_SEVERITY[code];
    problems.push({ code, severity, subject, message });
    if (leftOut) skipped.push({ path: subject, code: code as SkipCode, reason: message });
  };
  for (const s of manifest.skipped) {
    const message = s.code === 'bad_folder_name'
      ? `${s.reason}${opts.skipInvalidFolders ? '; its files are left out (--skip-invalid-folders)' : ', or pass --skip-invalid-folders to leave it out'}`
      : s.reason;
    add(s.code ?? 'not_an_image', s.path, message, true);
  }

  // Per file: header, end marker, hash.
  const facts = await mapPool(manifest.items, opts.concurrency ?? CHECK_DEFAULTS.concurrency, (it) => inspectFile(it.path, opts));
  const candidates: { item: Item; format: string; width: number; height: number; sha256: string }[] = [];
  manifest.items.forEach((item, i) => {
    const f = facts[i]!;
    if (f.ok) candidates.push({ item, ...f });
    else add(f.code, item.path, f.message, true);
  });

  // Exact copies, by content.
  const byHash = new Map<string, typeof candidates>();
  for (const c of candidates) byHash.set(c.sha256, [...(byHash.get(c.sha256) ?? []), c]);
  const dropped = new Set<string>();
  const rel = (p: string) => path.relative(manifest.root, p) || p;
  for (const group of byHash.values()) {
    if (group.length < 2) continue;
    const combos = new Set(group.map((c) => c.item.combo));
    if (combos.size === 1) {
      const [first, ...copies] = group;
      for (const c of copies) {
        add('duplicate', c.item.path, `same content as ${rel(first!.item.path)}; only that copy is used (a copy could otherwise land in both training and validation); delete the extra copy`, true);
        dropped.add(c.item.path);
      }
    } else {
      for (const c of group) {
        const others = group.filter((o) => o !== c).map((o) => `${rel(o.item.path)} (${o.item.combo})`).join(', ');
        add('label_conflict', c.item.path, `same content as ${others}: one image labelled ${[...combos].join(' and ')}; every copy is left out; keep it only in the folder whose labels are right`, true);
        dropped.add(c.item.path);
      }
    }
  }
  const usable = candidates.filter((c) => !dropped.has(c.item.path));

  // The set as a whole.
  const headNames = manifest.heads.map((h) => h.name);
  const combinations: Record<string, number> = {};
  for (const f of manifest.folders ?? []) combinations[f.combo] = 0;
  const labels: Record<string, Record<string, number>> = Object.fromEntries(headNames.map((h) => [h, {}]));
  const formats: Record<string, number> = {};
  const sizeCount = new Map<string, number>();
  for (const { item, format, width, height } of usable) {
    combinations[item.combo] = (combinations[item.combo] ?? 0) + 1;
    headNames.forEach((h, i) => { labels[h]![item.labels[i]!] = (labels[h]![item.labels[i]!] ?? 0) + 1; });
    formats[format] = (formats[format] ?? 0) + 1;
    const size = `${width}x${height}`;
    sizeCount.set(size, (sizeCount.get(size) ?? 0) + 1);
  }
  for (const f of manifest.folders ?? []) {
    if (combinations[f.combo] !== 0) continue;
    const seen = manifest.items.filter((it) => it.combo === f.combo).length;
    add('empty_combination', f.path, seen === 0
      ? 'the folder holds no image files; add images or remove the folder'
      : `none of its ${seen} image file${seen === 1 ? '' : 's'} can be used (see above); replace them or remove the folder`, false);
  }
  if (usable.length === 0) {
    add('no_images', source, 'no usable images; add images to <' + headNames.join('>_<') + '>/ folders (branchnet check lists what was found)', false);
  } else {
    const sorted = Object.fromEntries(headNames.map((h) => [h, Object.keys(labels[h]!).sort(byString)]));
    for (const h of headNames) {
      const words = sorted[h]!;
      if (words.length === 1) {
        add('single_label_head', h, `every usable image has ${h} "${words[0]}": a head needs at least two labels to learn anything; add images of another ${h}, or train without this head (--heads)`, false);
      }
    }
    if (headNames.length > 1) {
      const emptyCombos = new Set((manifest.folders ?? []).filter((f) => combinations[f.combo] === 0).map((f) => f.combo));
      for (const combo of product(headNames.map((h) => sorted[h]!))) {
        const name = combo.join('_');
        if ((combinations[name] ?? 0) > 0 || emptyCombos.has(name)) continue;
        add('missing_combination', name, `no images of ${name}: the model can still predict it (an unseen combination, what the split design is for), but it is never trained or validated on it; add a ${name}/ folder to train on it`, false);
      }
    }
  }

  problems.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || byString(a.subject, b.subject) || byString(a.code, b.code));
  const counts = { fatal: 0, warning: 0, info: 0 };
  for (const p of problems) counts[p.severity]++;
  const bySize = [...sizeCount.entries()].sort((a, b) => b[1] - a[1] || byString(a[0], b[0]));
  const pixels = (s: string) => s.split('x').map(Number).reduce((a, b) => a * b, 1);
  const byPixels = [...sizeCount.keys()].sort((a, b) => pixels(a) - pixels(b) || byString(a, b));
  const report: CheckReport = {
    source,
    heads: headNames,
    files: manifest.items.length + manifest.skipped.length,
    images: usable.length,
    combinations: Object.fromEntries(Object.entries(combinations).sort(([a], [b]) => byString(a, b))),
    labels: Object.fromEntries(headNames.map((h) => [h, Object.fromEntries(Object.entries(labels[h]!).sort(([a], [b]) => byString(a, b)))])),
    formats: Object.fromEntries(Object.entries(formats).sort((a, b) => b[1] - a[1] || byString(a[0], b[0]))),
    sizes: bySize.length ? { common: bySize.slice(0, 5).map(([size, images]) => ({ size, images })), smallest: byPixels[0]!, largest: byPixels.at(-1)! } : null,
    problems,
    counts,
    ok: counts.fatal === 0,
  };

  if (usable.length === 0) return { report, manifest: null };
  const items = usable.map((c) => c.item);
  const heads: Head[] = manifest.heads.map((h, i) => ({ name: h.name, vocab: [...new Set(items.map((it) => it.labels[i]!))].sort(byString) }));
  skipped.sort((a, b) => byString(a.path, b.path));
  return { report, manifest: { ...manifest, heads, items, skipped } };
}

function* product(lists: string[][]): Generator<string[]> {
  if (lists.length === 0) { yield []; return; }
  const [first, ...rest] = lists;
  for (const head of first!) for (const tail of product(rest)) yield [head, ...tail];
}

async function mapPool<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return out;
}

const FORMAT_NAMES: Record<string, string> = { jpeg: 'JPEG', png: 'PNG', gif: 'GIF', webp: 'WebP' };

/** Where a format's end is visible in its last bytes; null when it looks complete. */
function endMarkerMissing(format: string, head: Buffer, tail: Buffer, size: number): string | null {
  const trimmed = tail.subarray(0, tail.length - countTrailing(tail, 0x00));
  switch (format) {
    case 'jpeg':
      return trimmed.includes(Buffer.from([0xff, 0xd9])) ? null : `no JPEG end marker (FFD9) in its last ${tail.length} bytes`;
    case 'png':
      return trimmed.includes(Buffer.from('IEND')) ? null : `no PNG IEND chunk in its last ${tail.length} bytes`;
    case 'gif':
      return trimmed.at(-1) === 0x3b ? null : 'no GIF trailer (3B) at its end';
    case 'webp': {
      const riff = head.length >= 8 ? head.readUInt32LE(4) + 8 : 0;
      return riff <= size ? null : `its RIFF header says ${riff} bytes but the file has ${size}`;
    }
    default:
      return null;
  }
}

/** The format by its magic bytes, for the formats whose end endMarkerMissing knows. */
function sniff(head: Buffer): string | null {
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (head.subarray(0, 4).toString('latin1') === 'GIF8') return 'gif';
  if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  return null;
}

function countTrailing(buf: Buffer, byte: number): number {
  let n = 0;
  while (n < buf.length && buf[buf.length - 1 - n] === byte) n++;
  return n;
}

function errnoOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
}

/** Header-only facts about one file; never decodes pixels. */
export async function inspectFile(file: string, opts: Pick<CheckOptions, 'minSide' | 'limitInputPixels'> = {}): Promise<FileFacts> {
  const minSide = opts.minSide ?? CHECK_DEFAULTS.minSide;
  const limit = opts.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS;
  let size: number;
  let head: Buffer;
  let tail: Buffer;
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) return { ok: false, code: 'not_a_file', message: 'not a regular file (a FIFO, socket or device); remove it' };
    size = st.size;
    if (size === 0) return { ok: false, code: 'empty_file', message: 'the file is empty (0 bytes): an interrupted download or copy; copy the image again or remove it' };
    const fd = await fs.open(file, 'r');
    try {
      head = Buffer.alloc(Math.min(64, size));
      await fd.read(head, 0, head.length, 0);
      tail = Buffer.alloc(Math.min(CHECK_DEFAULTS.tailBytes, size));
      await fd.read(tail, 0, tail.length, size - tail.length);
    } finally {
      await fd.close();
    }
  } catch (e) {
    return { ok: false, code: 'unreadable', message: `cannot be read (${errnoOf(e)}); fix its permissions or remove it` };
  }
  if (head[0] === 0x42 && head[1] === 0x4d) {
    return { ok: false, code: 'unsupported_format', message: 'a BMP image, which cannot be decoded here (sharp/libvips has no BMP loader); convert it to PNG or JPEG' };
  }
  let meta: Metadata;
  try {
    meta = await sharp(file, { limitInputPixels: false }).metadata();
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
    const sniffed = sniff(head);
    const missing = sniffed ? endMarkerMissing(sniffed, head, tail, size) : null;
    if (missing) {
      return { ok: false, code: 'truncated', message: `the ${FORMAT_NAMES[sniffed!]} file is cut off (${missing}; ${reason}): an interrupted download or copy; copy it again or remove it` };
    }
    if (/premature end|truncat|unexpected end/i.test(reason)) {
      return { ok: false, code: 'truncated', message: `the file ends too early (${reason}): an interrupted download or copy; copy it again or remove it` };
    }
    return { ok: false, code: 'not_an_image', message: `not an image that can be read (${reason}); expected JPEG, PNG, GIF, WebP, TIFF or AVIF; remove or replace it` };
  }
  const format = String(meta.format ?? 'unknown');
  if (format === 'heif' && meta.compression !== 'av1') {
    return { ok: false, code: 'unsupported_format', message: `a HEIF image with ${meta.compression ?? 'unknown'} compression (HEIC), which cannot be decoded here; convert it to JPEG` };
  }
  const { width, height } = meta;
  if (!width || !height) return { ok: false, code: 'not_an_image', message: `the ${format} header gives no size; remove or replace it` };
  if (width * height > limit) {
    return { ok: false, code: 'over_pixel_limit', message: `${width}x${height} is ${(width * height).toLocaleString('en-US')} pixels, over the limit of ${limit.toLocaleString('en-US')} decoding accepts (a decompression bomb guard); downscale it` };
  }
  if (Math.min(width, height) < minSide) {
    return { ok: false, code: 'too_small', message: `${width}x${height} is under ${minSide} pixels on a side (a placeholder or icon?); replace it with the photo or remove it` };
  }
  const missing = endMarkerMissing(format, head, tail, size);
  if (missing) {
    return { ok: false, code: 'truncated', message: `the ${FORMAT_NAMES[format] ?? format} file is cut off (${missing}): an interrupted download or copy; copy it again or remove it` };
  }
  let sha256: string;
  try {
    sha256 = await hashFile(file);
  } catch (e) {
    return { ok: false, code: 'unreadable', message: `cannot be read (${errnoOf(e)}); fix its permissions or remove it` };
  }
  return { ok: true, format, width, height, sha256 };
}

function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file).on('error', reject).on('data', (chunk) => h.update(chunk)).on('end', () => resolve(h.digest('hex')));
  });
}
