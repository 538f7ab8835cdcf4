/**
 * Where `branchnet export` writes, and the rule that protects the user's files: an output path
 * that exists is replaced only when branchnet wrote it (a folder holding our marker file and no
 * file the marker does not list; an ONNX file carrying our metadata), when it is an empty folder,
 * or when the caller says `overwrite`. Everything is written into a temp
 * sibling first and renamed into place, so a killed export never leaves half a folder or file.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fail } from '../core/errors.js';
import { replaceDir, writeFileAtomic, writeFileSynced } from '../core/fs.js';

/** The file in every exported folder that says branchnet wrote it (and from what). */
export const EXPORT_MARKER = '.branchnet-export.json';

async function statOrNull(p: string) {
  try {
    return await fs.stat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Fails with E_EXPORT_OUT unless `target` may be (re)written as a `kind`. `ours` tells whether an
 * existing file is one branchnet wrote (folders carry EXPORT_MARKER instead).
 */
export async function checkOutput(target: string, kind: 'file' | 'folder', overwrite: boolean, ours?: (file: string) => Promise<boolean>): Promise<void> {
  const st = await statOrNull(target);
  if (!st || overwrite) {
    if (st && (kind === 'file') !== st.isFile()) {
      fail('E_EXPORT_OUT', `${target}: is a ${st.isFile() ? 'file' : 'folder'}, but this export writes a ${kind}; choose another -o`);
    }
    return;
  }
  if (kind === 'folder' && st.isDirectory()) {
    const entries = await fs.readdir(target);
    if (entries.length === 0) return;
    if (entries.includes(EXPORT_MARKER)) {
      // Ours, unless someone added files since: those would be lost, so they stop the export.
      const written = new Set(await markerFiles(target));
      const added = (await listFiles(target)).filter((f) => f !== EXPORT_MARKER && !written.has(f));
      if (added.length === 0) return;
      return fail('E_EXPORT_OUT', `${target}: branchnet exported this folder, but ${added.length} file(s) were added since (${added.slice(0, 3).join(', ')}${added.length > 3 ? ', …' : ''}); move them out, choose another -o, or pass --overwrite to replace the whole folder`);
    }
    return fail('E_EXPORT_OUT', `${target}: the folder exists and holds ${entries.length} file(s) branchnet did not export (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}); choose another -o, or pass --overwrite to replace the whole folder`);
  }
  if (kind === 'file' && st.isFile() && ours && await ours(target)) return;
  fail('E_EXPORT_OUT', `${target}: already exists and branchnet did not write it; choose another -o, or pass --overwrite to replace it`);
}

/** Files under `dir`, relative, '/'-separated. */
async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...await listFiles(dir, rel));
    else out.push(rel);
  }
  return out;
}

async function markerFiles(dir: string): Promise<string[]> {
  try {
    const m = JSON.parse(await fs.readFile(path.join(dir, EXPORT_MARKER), 'utf8')) as { files?: unknown };
    return Array.isArray(m.files) ? m.files.map(String) : [];
  } catch {
    return [];
  }
}

function tempSibling(target: string, what: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${what}-${process.pid}-${Date.now()}`);
}

/** Write one file atomically (temp sibling + rename); `ours` as in checkOutput. */
export async function writeExportFile(target: string, data: Uint8Array, overwrite: boolean, ours?: (file: string) => Promise<boolean>): Promise<string> {
  const file = path.resolve(target);
  await checkOutput(file, 'file', overwrite, ours);
  await writeFileAtomic(file, data);
  return file;
}

/**
 * Write a folder of files (relative paths, '/'-separated) atomically, with the marker file.
 * @example await writeExportDir('site', { 'index.html': html, 'model/model.json': json }, { format: 'web' }, false);
 */
export async function writeExportDir(target: string, files: Record<string, string | Uint8Array>, marker: Record<string, unknown>, overwrite: boolean): Promise<string> {
  const dir = path.resolve(target);
  await checkOutput(dir, 'folder', overwrite);
  await fs.mkdir(path.dirname(dir), { recursive: true });
  const tmp = tempSibling(dir, 'tmp');
  await fs.mkdir(tmp);
  try {
    for (const [rel, data] of Object.entries(files)) {
      const file = path.resolve(tmp, rel);
      if (!file.startsWith(tmp + path.sep)) fail('E_EXPORT_OUT', `export file name "${rel}" leaves the output folder`);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await writeFileSynced(file, data);
    }
    await writeFileSynced(path.join(tmp, EXPORT_MARKER), JSON.stringify({ writtenBy: 'branchnet export', ...marker, at: new Date().toISOString(), files: Object.keys(files).sort() }, null, 2));
    await replaceDir(tmp, dir);
    return dir;
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
