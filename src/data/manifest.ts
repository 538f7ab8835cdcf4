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
import { promises as fs } from 'node:fs';
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
  skipped: { path: string; reason: string }[];
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
}

/** Extensions counted as images (lower-case, with the dot). Content decides the real format. */
export const IMAGE_EXTENSIONS: readonly string[] = [
  '.jpg', '.jpeg', '.png', '.gif', '.webp', '.tif', '.tiff', '.bmp', '.avif',
];

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

async function walkFiles(dir: string, out: string[]): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    let isDir = entry.isDirectory();
    if (entry.isSymbolicLink()) {
      try {
        isDir = (await fs.stat(full)).isDirectory();
      } catch {
        out.push(full); // broken link: reported as a file that fails later
        continue;
      }
    }
    if (isDir) await walkFiles(full, out);
    else out.push(full);
  }
}

async function loadFolder(source: string, opts: ManifestOptions): Promise<Manifest> {
  const heads = opts.heads ?? [...DEFAULT_FOLDER_HEADS];
  checkHeadNames(heads, source);
  checkVocabOption(heads, opts.vocab);
  const root = path.normalize(source).replace(/(.)[\\/]+$/, '$1');
  const placeholder = `<${heads.join('>_<')}>`;

  const entries = (await fs.readdir(root, { withFileTypes: true }))
    .filter((e) => !e.name.startsWith('.'))
    .sort((a, b) => byString(a.name, b.name));

  const items: Item[] = [];
  const skipped: Manifest['skipped'] = [];
  for (const entry of entries) {
    const full = path.join(root, entry.name);
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await fs.stat(full).then((s) => s.isDirectory(), () => false)));
    if (!isDir) {
      skipped.push({ path: full, reason: `not inside a ${placeholder} folder; move it into one` });
      continue;
    }
    const parts = entry.name.split('_');
    if (parts.length !== heads.length) {
      const p = parts.length;
      fail(
        'E_DATA_FOLDER_NAME',
        `${full}: folder name has ${p} part${p === 1 ? '' : 's'} but ${heads.length} head${heads.length === 1 ? '' : 's'} ${list(heads)} ${heads.length === 1 ? 'was' : 'were'} asked for; rename it to ${placeholder} or pass --heads`,
      );
    }
    const empty = parts.findIndex((part) => part === '');
    if (empty >= 0) {
      fail(
        'E_DATA_FOLDER_NAME',
        `${full}: folder name has an empty ${heads[empty]} part; rename it to ${placeholder}`,
      );
    }
    checkAgainstVocab(heads, parts, opts.vocab, full, 'rename the folder');

    const files: string[] = [];
    await walkFiles(full, files);
    for (const file of files) {
      if (isImageFile(file)) items.push({ path: file, labels: [...parts], combo: parts.join('_') });
      else skipped.push({ path: file, reason: notAnImageReason(file) });
    }
  }

  if (items.length === 0) {
    const hint = skipped.length > 0 ? ` (${skipped.length} other file${skipped.length === 1 ? ' was' : 's were'} skipped; first: ${skipped[0]?.path}: ${skipped[0]?.reason})` : '';
    fail(
      'E_DATA_EMPTY',
      `${root}: no images found; expected ${placeholder}/ subfolders holding ${IMAGE_EXTENSIONS.join(', ')} files${hint}`,
    );
  }
  return finish(root, buildHeads(heads, items, opts.vocab), items, skipped);
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
  const skipped: Manifest['skipped'] = [];
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
      skipped.push({ path: file, reason: `listed again at ${where}` });
      continue;
    }
    seen.set(file, { line: record.line, combo });
    if (!isImageFile(file)) {
      skipped.push({ path: file, reason: `${notAnImageReason(file)} (${where})` });
      continue;
    }
    const exists = await fs.stat(file).then((s) => s.isFile(), () => false);
    if (!exists) {
      skipped.push({ path: file, reason: `file not found (${where})` });
      continue;
    }
    items.push({ path: file, labels, combo });
  }

  if (items.length === 0) {
    const hint = skipped.length > 0 ? ` (${skipped.length} row${skipped.length === 1 ? ' was' : 's were'} skipped; first: ${skipped[0]?.path}: ${skipped[0]?.reason})` : '';
    fail('E_DATA_EMPTY', `${csv}: lists no usable images${hint}; add rows path,${heads.join(',')} below the header`);
  }
  return finish(root, buildHeads(heads, items, opts.vocab), items, skipped);
}

