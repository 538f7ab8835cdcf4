// Bundles the web page (src/web/app.ts, TF.js core + layers + cpu backend) into dist/web/app.js
// and copies index.html and style.css beside it. Run by `npm run build` after tsc.
import { build } from 'esbuild';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'web');
await fs.mkdir(out, { recursive: true });
await build({
  entryPoints: [path.join(root, 'src', 'web', 'app.ts')],
  outfile: path.join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  legalComments: 'linked',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
for (const f of ['index.html', 'style.css']) await fs.copyFile(path.join(root, 'src', 'web', f), path.join(out, f));
