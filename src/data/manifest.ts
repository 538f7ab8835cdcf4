/**
 * The manifest: which image files make up a data set and what each one's labels are, one label
 * per head. It is read from either
 *   - a folder of `<attr1>_<attr2>[_…]/` subfolders (the notebook's `train/black_jeans/*.jpg`),
 *     where the folder name, split on `_`, gives the labels in head order; or
 *   - a CSV file `path,<head1>,<head2>,…` whose header names the heads and whose paths are
 *     relative to the CSV's folder.
 * This module only lists files and labels; it never opens an image (see decode.ts).
 * Everything is sorted, so the same files always give the same manifest.
 */
import { type Dirent, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fail } from '../core/errors.js';

export interface Item {
  /** File path: the source folder (or the CSV's folder) joined with the relative path. */
  path: string;
  /** One label per head, in head order. */
  labels: string[];
  /** Labels joined by '_', e.g. 'black_jeans'. */
  combo: string;
}

export interface Head {
  name: string;
  /** Class names; a class's index in this list is the network's class index. */
  vocab: string[];
}

export interface Manifest {
  /** The folder the item paths were resolved against (the source folder, or the CSV's folder). */
  root: string;
  heads: Head[];
  /** Sorted by path. */
  items: Item[];
  /** Files that were seen but not used, with the reason. Hidden files are not listed. */
  skipped: Skipped[];
  /**
   * Folder sources only: every combination folder that was read, with its image count (an
   * empty one has 0), in name order. check.ts uses it to name empty combinations.
   */
  folders?: { path: string; combo: string; images: number }[];
}

/** Why the manifest left a path out; stable words, shared with check.ts's problem codes. */
export type SkipCode =
  | 'not_an_image'
  | 'unsupported_format'
  | 'outside_combination'
  | 'bad_folder_name'
  | 'symlink_loop'
  | 'dangling_link'
  | 'not_a_file'
  | 'unreadable'
  | 'listed_twice'
  | 'missing_file';

export interface Skipped {
  path: string;
  reason: string;
  /** Absent for files dropped later, while decoding (batches.ts onSkip). */
  code?: SkipCode;
}

export interface ManifestOptions {
  /**
   * Head names. Folders: names for the `_`-separated parts (default ['color', 'type']).
   * CSV: which label columns to use, by header name (default: every column after the path).
   */
  heads?: string[];
  /**
   * Fixed vocabulary per head, in class-index order (e.g. the notebook's
   * `{ color: ['black', 'blue', 'red'], type: ['jeans', 'dress', 'shirt'] }`). A label outside
   * it is an error. Heads without an entry get their vocabulary discovered and sorted.
   */
  vocab?: Record<string, string[]>;
  /**
   * Folder sources: what a subfolder whose name does not parse into the heads does. 'fail'
   * (default) throws E_DATA_FOLDER_NAME; 'skip' lists it in `skipped` (code bad_folder_name)
   * with its files left out (`--skip-invalid-folders`; check.ts always skips and decides).
   */
  invalidFolders?: 'fail' | 'skip';
  /** Return an empty manifest instead of throwing E_DATA_EMPTY (check.ts reports it itself). */
  allowEmpty?: boolean;
}

/** Extensions counted as images (lower-case, with the dot). Content decides the real format. */
export const IMAGE_EXTENSIONS: readonly string[] = [
  '.jpg', '.jpeg', '.png', '.gif', '.webp', '.tif', '.tiff', '.avif',
];

/**
 * Image extensions that sharp's libvips cannot decode (no BMP loader; HEIC needs a HEVC
 * decoder the prebuilt binaries lack): listed as unsupported_format, never as items.
 */
export const UNSUPPORTED_IMAGE_EXTENSIONS: readonly string[] = ['.bmp', '.heic'];

export const DEFAULT_FOLDER_HEADS: readonly string[] = ['color', 'type'];

/** Plain code-unit order, independent of locale. */
function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isImageFile(file: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(file).toLowerCase());
}

function notAnImageReason(file: string): string {
  const ext = path.extname(file);
  return `not an image file (${ext ? `extension "${ext}"` : 'no extension'}; expected ${IMAGE_EXTENSIONS.join(', ')})`;
}

/** A non-image file as a skipped entry: unsupported_format for .bmp/.heic, else not_an_image. */
function nonImage(file: string, where = ''): Skipped {
  const ext = path.extname(file).toLowerCase();
  if (UNSUPPORTED_IMAGE_EXTENSIONS.includes(ext)) {
    return { path: file, code: 'unsupported_format', reason: `${ext.slice(1).toUpperCase()} images cannot be decoded here (sharp/libvips has no loader for them); convert it to PNG or JPEG${where}` };
  }
  return { path: file, code: 'not_an_image', reason: `${notAnImageReason(file)}${where}` };
}

function list(items: readonly string[]): string {
  return `[${items.join(', ')}]`;
}

export async function loadManifest(source: string, opts: ManifestOptions = {}): Promise<Manifest> {
  let stat;
  try {
    stat = await fs.stat(source);
  } catch (cause) {
    fail(
      'E_DATA_SOURCE',
      `${source}: no such file or folder; pass a folder of <color>_<type>/ subfolders or a CSV file with a path,<head>,… header`,
      cause,
    );
  }
  if (stat.isDirectory()) return loadFolder(source, opts);
  if (isImageFile(source)) {
    fail(
      'E_DATA_SOURCE',
      `${source}: is a single image; pass the folder that holds the <color>_<type>/ subfolders, or a CSV file`,
    );
  }
  return loadCsv(source, opts);
}

/** Class index of each of the item's labels, in head order. */
export function labelIndices(manifest: Manifest, item: Item): number[] {
  if (item.labels.length !== manifest.heads.length) {
    fail(
      'E_DATA_LABEL',
      `${item.path}: has ${item.labels.length} labels but the manifest has ${manifest.heads.length} heads ${list(manifest.heads.map((h) => h.name))}`,
    );
  }
  return manifest.heads.map((head, h) => {
    const label = item.labels[h] as string;
    const index = head.vocab.indexOf(label);
    if (index < 0) {
      fail(
        'E_DATA_LABEL',
        `${item.path}: ${head.name} "${label}" is not in the vocabulary ${list(head.vocab)}`,
      );
    }
    return index;
  });
}

// ---------------------------------------------------------------------------------------------
// Shared: heads and vocabularies

function checkHeadNames(heads: readonly string[], where: string): void {
  if (heads.length === 0) fail('E_CONFIG', `${where}: no heads were given; pass at least one head name`);
  const seen = new Set<string>();
  for (const h of heads) {
    if (h.trim() === '') fail('E_CONFIG', `${where}: a head name is empty; give every head a name`);
    if (seen.has(h)) fail('E_CONFIG', `${where}: head "${h}" is named twice in ${list(heads)}`);
    seen.add(h);
  }
}

function checkVocabOption(heads: readonly string[], vocab: Record<string, string[]> | undefined): void {
  if (!vocab) return;
  for (const [name, words] of Object.entries(vocab)) {
    if (!heads.includes(name)) {
      fail('E_CONFIG', `--vocab names head "${name}" but the heads are ${list(heads)}; use one of those names`);
    }
    if (words.length === 0) fail('E_CONFIG', `--vocab for head "${name}" is empty; list its classes`);
    const dup = words.find((w, i) => words.indexOf(w) !== i);
    if (dup !== undefined) fail('E_CONFIG', `--vocab for head "${name}" lists "${dup}" twice`);
  }
}

/** Throws the vocabulary error for the first label outside a fixed vocabulary. */
function checkAgainstVocab(
  heads: readonly string[],
  labels: readonly string[],
  vocab: Record<string, string[]> | undefined,
  where: string,
  fix: string,
): void {
  if (!vocab) return;
  heads.forEach((name, h) => {
    const fixed = vocab[name];
    const label = labels[h] as string;
    if (fixed && !fixed.includes(label)) {
      fail(
        'E_DATA_LABEL',
        `${where}: ${name} "${label}" is not in the vocabulary ${list(fixed)}; add it with --vocab or ${fix}`,
      );
    }
  });
}

function buildHeads(heads: readonly string[], items: readonly Item[], vocab: Record<string, string[]> | undefined): Head[] {
  return heads.map((name, h) => {
    const fixed = vocab?.[name];
    if (fixed) return { name, vocab: [...fixed] };
    const found = new Set<string>();
    for (const item of items) found.add(item.labels[h] as string);
    return { name, vocab: [...found].sort(byString) };
  });
}

function finish(root: string, heads: Head[], items: Item[], skipped: Manifest['skipped']): Manifest {
  items.sort((a, b) => byString(a.path, b.path));
  skipped.sort((a, b) => byString(a.path, b.path));
  return { root, heads, items, skipped };
}

// ---------------------------------------------------------------------------------------------
// Folder source

/** What the folder walk found: image candidates and the paths it left out (with a code). */
interface Walked {
  files: string[];
  skipped: Skipped[];
}

type EntryKind = { kind: 'dir'; real: string } | { kind: 'file' } | { kind: 'skip'; skip: Skipped };

/**
 * What a folder entry is, following a symbolic link once. Broken links, FIFOs, sockets and
 * devices become skipped entries and are never opened (reading a FIFO would block forever).
 */
async function entryKind(full: string, entry: Dirent): Promise<EntryKind> {
  let isDir = entry.isDirectory();
  let isFile = entry.isFile();
  if (entry.isSymbolicLink()) {
    try {
      const st = await fs.stat(full);
      isDir = st.isDirectory();
      isFile = st.isFile();
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code ?? 'unknown error';
      if (code === 'ELOOP') return { kind: 'skip', skip: { path: full, code: 'symlink_loop', reason: 'the link resolves to itself (ELOOP); remove it' } };
      const target = await fs.readlink(full).catch(() => '?');
      return { kind: 'skip', skip: { path: full, code: 'dangling_link', reason: `broken symbolic link to ${target} (${code}); remove it or restore its target` } };
    }
  }
  if (isDir) return { kind: 'dir', real: await fs.realpath(full) };
  if (isFile) return { kind: 'file' };
  return { kind: 'skip', skip: { path: full, code: 'not_a_file', reason: 'not a regular file (a FIFO, socket or device); remove it' } };
}

async function loopSkip(full: string): Promise<Skipped> {
  const target = await fs.readlink(full).catch(() => full);
  return { path: full, code: 'symlink_loop', reason: `symbolic link to ${target}, a folder it is already inside; its images are read once, through the real folder; remove the link` };
}

/**
 * Every non-hidden file under `dir`, following symbolic links, each real folder entered at
 * most once per path from the root: a link back to a folder already being walked (e.g.
 * `red_dress/again -> .`) is a loop and is listed (symlink_loop), never entered, so its images
 * are counted once. Folders that cannot be read are listed too (unreadable).
 * `ancestors` holds the real paths of the folders from the data root down to `dir`.
 */
async function walkFiles(dir: string, ancestors: Set<string>, out: Walked): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (cause) {
    out.skipped.push({ path: dir, code: 'unreadable', reason: `cannot read the folder (${(cause as NodeJS.ErrnoException).code ?? String(cause)}); fix its permissions or remove it` });
    return;
  }
  entries.sort((a, b) => byString(a.name, b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    const k = await entryKind(full, entry);
    if (k.kind === 'skip') out.skipped.push(k.skip);
    else if (k.kind === 'file') out.files.push(full);
    else if (ancestors.has(k.real)) out.skipped.push(await loopSkip(full));
    else {
      ancestors.add(k.real);
      await walkFiles(full, ancestors, out);
      ancestors.delete(k.real);
    }
  }
}

async function loadFolder(source: string, opts: ManifestOptions): Promise<Manifest> {
  const heads = opts.heads ?? [...DEFAULT_FOLDER_HEADS];
  checkHeadNames(heads, source);
  checkVocabOption(heads, opts.vocab);
  const root = path.normalize(source).replace(/(.)[\\/]+$/, '$1');
  const placeholder = `<${heads.join('>_<')}>`;
  const rootReal = await fs.realpath(root);

  const entries = (await fs.readdir(root, { withFileTypes: true }))
    .filter((e) => !e.name.startsWith('.'))
    .sort((a, b) => byString(a.name, b.name));

  const items: Item[] = [];
  const skipped: Skipped[] = [];
  const folders: NonNullable<Manifest['folders']> = [];
  const badFolder = (full: string, reason: string): void => {
    if (opts.invalidFolders !== 'skip') fail('E_DATA_FOLDER_NAME', `${full}: ${reason}`);
    skipped.push({ path: full, code: 'bad_folder_name', reason });
  };
  for (const entry of entries) {
    const full = path.join(root, entry.name);
    const k = await entryKind(full, entry);
    if (k.kind === 'skip') {
      skipped.push(k.skip);
      continue;
    }
    if (k.kind === 'file') {
      skipped.push({ path: full, code: 'outside_combination', reason: `not inside a ${placeholder} folder; move it into one` });
      continue;
    }
    if (k.real === rootReal) {
      skipped.push(await loopSkip(full));
      continue;
    }
    const parts = entry.name.split('_');
    if (parts.length !== heads.length) {
      const p = parts.length;
      badFolder(full, `folder name has ${p} part${p === 1 ? '' : 's'} but ${heads.length} head${heads.length === 1 ? '' : 's'} ${list(heads)} ${heads.length === 1 ? 'was' : 'were'} asked for; rename it to ${placeholder} or pass --heads`);
      continue;
    }
    const empty = parts.findIndex((part) => part === '');
    if (empty >= 0) {
      badFolder(full, `folder name has an empty ${heads[empty]} part; rename it to ${placeholder}`);
      continue;
    }
    checkAgainstVocab(heads, parts, opts.vocab, full, 'rename the folder');

    const walked: Walked = { files: [], skipped: [] };
    await walkFiles(full, new Set([rootReal, k.real]), walked);
    skipped.push(...walked.skipped);
    let images = 0;
    for (const file of walked.files) {
      if (isImageFile(file)) {
        items.push({ path: file, labels: [...parts], combo: parts.join('_') });
        images++;
      } else {
        skipped.push(nonImage(file));
      }
    }
    folders.push({ path: full, combo: parts.join('_'), images });
  }

  if (items.length === 0 && !opts.allowEmpty) {
    const hint = skipped.length > 0 ? ` (${skipped.length} other file${skipped.length === 1 ? ' was' : 's were'} skipped; first: ${skipped[0]?.path}: ${skipped[0]?.reason})` : '';
    fail(
      'E_DATA_EMPTY',
      `${root}: no images found; expected ${placeholder}/ subfolders holding ${IMAGE_EXTENSIONS.join(', ')} files${hint}`,
    );
  }
  return { ...finish(root, buildHeads(heads, items, opts.vocab), items, skipped), folders };
}

// ---------------------------------------------------------------------------------------------
// CSV source

export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * RFC 4180 CSV: comma-separated, fields optionally in double quotes ("" escapes a quote, quoted
 * fields may hold commas and newlines), LF or CRLF line ends, optional UTF-8 BOM. Unquoted
 * fields are trimmed. Blank lines are dropped.
 */
export function parseCsv(text: string, file = 'CSV'): CsvRecord[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false; // the current field was quoted
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  let quoteLine = 1;
  let sawAny = false;

  const endField = () => {
    fields.push(quoted ? field : field.trim());
    field = '';
    quoted = false;
  };
  const endRecord = () => {
    endField();
    if (fields.length > 1 || fields[0] !== '' || sawAny) records.push({ line: recordLine, fields });
    fields = [];
    sawAny = false;
  };

  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
        }
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"') {
      if (field.trim() !== '') {
        fail('E_DATA_CSV', `${file} line ${line}: a quote appears in the middle of an unquoted field; quote the whole field and write a quote inside it as ""`);
      }
      field = '';
      quoted = true;
      inQuotes = true;
      sawAny = true;
      quoteLine = line;
    } else if (ch === ',') {
      endField();
      sawAny = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      if (quoted && ch.trim() !== '') {
        fail('E_DATA_CSV', `${file} line ${line}: text after a closing quote; quote the whole field and write a quote inside it as ""`);
      }
      if (!quoted) field += ch;
    }
  }
  if (inQuotes) {
    fail('E_DATA_CSV', `${file} line ${quoteLine}: a quoted field is never closed; add the closing "`);
  }
  if (field !== '' || fields.length > 0 || sawAny) endRecord();
  return records;
}

async function loadCsv(csv: string, opts: ManifestOptions): Promise<Manifest> {
  const text = await fs.readFile(csv, 'utf8');
  const records = parseCsv(text, csv);
  const header = records[0];
  if (!header) {
    fail('E_DATA_EMPTY', `${csv}: the CSV is empty; expected a header row path,<head1>,<head2>,… and one row per image`);
  }
  if (header.fields.length < 2) {
    fail(
      'E_DATA_CSV',
      `${csv} line ${header.line}: the header has ${header.fields.length} column but needs a path column and at least one head column, e.g. path,color,type`,
    );
  }
  const columns = header.fields.slice(1);
  checkHeadNames(columns, `${csv} header`);
  const heads = opts.heads ?? columns;
  checkHeadNames(heads, csv);
  const columnOf = heads.map((name) => {
    const c = columns.indexOf(name);
    if (c < 0) {
      fail('E_DATA_CSV', `${csv}: head "${name}" is not a column of the header ${list(header.fields)}; pass --heads with column names from the header`);
    }
    return c + 1;
  });
  checkVocabOption(heads, opts.vocab);

  const root = path.dirname(path.normalize(csv));
  const items: Item[] = [];
  const skipped: Skipped[] = [];
  const seen = new Map<string, { line: number; combo: string }>();

  for (const record of records.slice(1)) {
    const where = `${csv} line ${record.line}`;
    if (record.fields.length !== header.fields.length) {
      fail(
        'E_DATA_CSV',
        `${where}: expected ${header.fields.length} fields (${header.fields.join(', ')}) but found ${record.fields.length}; quote fields that contain commas`,
      );
    }
    const rel = record.fields[0] as string;
    if (rel === '') fail('E_DATA_CSV', `${where}: the path is empty; give every row an image path`);
    const labels = columnOf.map((c) => record.fields[c] as string);
    labels.forEach((label, h) => {
      if (label === '') fail('E_DATA_CSV', `${where}: ${heads[h]} is empty; give every row a label for each head`);
    });
    checkAgainstVocab(heads, labels, opts.vocab, where, 'fix the CSV');

    const file = path.isAbsolute(rel) ? path.normalize(rel) : path.join(root, rel);
    const combo = labels.join('_');
    const before = seen.get(file);
    if (before) {
      if (before.combo !== combo) {
        fail('E_DATA_CSV', `${where}: ${rel} is labelled ${combo} but line ${before.line} labels it ${before.combo}; keep one row per image`);
      }
      skipped.push({ path: file, code: 'listed_twice', reason: `listed again at ${where}; keep one row per image` });
      continue;
    }
    seen.set(file, { line: record.line, combo });
    if (!isImageFile(file)) {
      skipped.push(nonImage(file, ` (${where})`));
      continue;
    }
    const st = await fs.stat(file).catch(() => null);
    if (!st) {
      skipped.push({ path: file, code: 'missing_file', reason: `file not found (${where})` });
      continue;
    }
    if (!st.isFile()) {
      skipped.push({ path: file, code: 'not_a_file', reason: `not a regular file (${where})` });
      continue;
    }
    items.push({ path: file, labels, combo });
  }

  if (items.length === 0 && !opts.allowEmpty) {
    const hint = skipped.length > 0 ? ` (${skipped.length} row${skipped.length === 1 ? ' was' : 's were'} skipped; first: ${skipped[0]?.path}: ${skipped[0]?.reason})` : '';
    fail('E_DATA_EMPTY', `${csv}: lists no usable images${hint}; add rows path,${heads.join(',')} below the header`);
  }
  return finish(root, buildHeads(heads, items, opts.vocab), items, skipped);
}

