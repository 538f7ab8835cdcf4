/**
 * The web page as static files: the built page (dist/web: index.html, app.js, style.css) plus the
 * model under model/ (branchnet.json, model.json, its weight shards), which the page loads by
 * relative URL. Any static host serves it; nothing is fetched from elsewhere.
 *
 * The model's branchnet.json is written trimmed to what a page needs (format, heads, input size,
 * interpolation, scaling): the full file records local paths (data folder, weights file) that
 * have no business on a public host.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail } from '../core/errors.js';
import type { ModelMeta } from '../io/model_dir.js';

/** Files of the built page, in dist/web of the package. */
export const WEB_PAGE_FILES = ['index.html', 'app.js', 'style.css'] as const;

/** The package root: the nearest folder above this module holding branchnet's package.json. */
async function packageRoot(): Promise<string> {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'branchnet') return dir;
    } catch { /* not here */ }
    const up = path.dirname(dir);
    if (up === dir) return fail('E_EXPORT_OUT', 'cannot find branchnet\'s package.json above its modules; reinstall branchnet');
    dir = up;
  }
}

/** Folder of the built page (what `branchnet serve` serves at / and `export --format web` copies). */
export async function webPageDir(): Promise<string> {
  const dir = path.join(await packageRoot(), 'dist', 'web');
  for (const f of WEB_PAGE_FILES) {
    try {
      await fs.access(path.join(dir, f));
    } catch {
      fail('E_EXPORT_OUT', `${path.join(dir, f)}: the web page is not built; run \`npm run build\` in ${path.dirname(path.dirname(dir))}`);
    }
  }
  return dir;
}

/** The part of branchnet.json the page reads. */
export function pageMeta(meta: ModelMeta): Record<string, unknown> {
  const { arch, heads, height, width, preprocess } = meta.config.model;
  return {
    format: meta.format,
    formatVersion: meta.formatVersion,
    createdAt: meta.createdAt,
    heads: meta.heads,
    config: { model: { arch, heads, height, width, preprocess }, data: { interpolation: meta.config.data.interpolation } },
  };
}

/**
 * Every file of the static site, by relative path.
 * @example const files = await webFiles('runs/a', meta); // { 'index.html': …, 'model/model.json': … }
 */
export async function webFiles(modelDir: string, meta: ModelMeta): Promise<Record<string, Uint8Array | string>> {
  const page = await webPageDir();
  const files: Record<string, Uint8Array | string> = {};
  for (const f of await fs.readdir(page)) {
    const st = await fs.stat(path.join(page, f));
    if (st.isFile()) files[f] = await fs.readFile(path.join(page, f));
  }
  const modelJsonText = await fs.readFile(path.join(modelDir, 'model.json'), 'utf8');
  const modelJson = JSON.parse(modelJsonText) as { weightsManifest: { paths: string[] }[] };
  files['model/model.json'] = modelJsonText;
  for (const group of modelJson.weightsManifest) {
    for (const p of group.paths) {
      if (p !== path.basename(p) || p.startsWith('.')) fail('E_MODEL_DIR', `${modelDir}/model.json: weight path "${p}" is not a plain file name beside model.json`);
      files[`model/${p}`] = await fs.readFile(path.join(modelDir, p));
    }
  }
  files['model/branchnet.json'] = JSON.stringify(pageMeta(meta), null, 2);
  return files;
}
