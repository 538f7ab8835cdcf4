/**
 * The layer order of src/, read from the imports. Each folder may import only from folders in
 * lower layers (and from itself); folders in the same layer do not import each other. Clients
 * import the library only through its entry points: serve through src/index.ts, the CLI through
 * src/index.ts and the service's own entry (src/serve/index.ts, published as 'branchnet/serve'),
 * the browser page (web) through src/browser.ts, the subset that runs in a browser. The README's Architecture section
 * draws the same order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Bottom to top. */
export const LAYERS: readonly (readonly string[])[] = [
  ['core'],
  ['onnx', 'weights', 'plot', 'synth'],
  ['data'],
  ['model'],
  ['io'],
  ['train'],
  ['eval'],
  ['pipeline', 'export'],
  ['index.ts', 'browser.ts'],
  ['serve'],
  ['cli', 'web'],
];

const SRC = path.resolve(import.meta.dirname, '../src');

function layerOf(unit: string): number {
  const i = LAYERS.findIndex((l) => l.includes(unit));
  return i;
}

/** Every relative import of every non-test .ts file under src/, as [fromUnit, toUnit, file, spec, target file]. */
function imports(): [string, string, string, string, string][] {
  const out: [string, string, string, string, string][] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('_test_utils.ts')) {
        const text = fs.readFileSync(full, 'utf8');
        const from = path.relative(SRC, full).split(path.sep)[0];
        for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
          const target = path.relative(SRC, path.resolve(path.dirname(full), m[1]));
          if (target.startsWith('..')) continue;
          out.push([from, target.split(path.sep)[0].replace(/\.js$/, '.ts'), path.relative(SRC, full), m[1], target.replace(/\.js$/, '.ts')]);
        }
      }
    }
  };
  walk(SRC);
  return out;
}

describe('the layer order of src/', () => {
  it('every folder of src/ has a place in the order', () => {
    const units = fs.readdirSync(SRC).filter((e) => !e.endsWith('.d.ts'));
    expect(units.filter((u) => layerOf(u) < 0)).toEqual([]);
  });

  it('no import goes up or sideways (core imports nothing above it; train never imports eval, …)', () => {
    const bad = imports()
      .filter(([from, to]) => from !== to && !(layerOf(to) < layerOf(from)))
      .map(([, , file, spec]) => `${file} imports ${spec}`);
    expect(bad).toEqual([]);
  });

  it('clients reach the library only through its public entry points (cli and serve: index.ts; the page: browser.ts)', () => {
    const entry: Record<string, string[]> = { cli: ['index.ts', 'serve/index.ts'], serve: ['index.ts'], web: ['browser.ts'] };
    const bad = imports()
      .filter(([from, to, , , target]) => from in entry && to !== from && !entry[from]!.includes(to === 'serve' ? target : to))
      .map(([, , file, spec]) => `${file} imports ${spec}`);
    expect(bad).toEqual([]);
  });

  it('the test sees real imports (a sanity check of the parser)', () => {
    const all = imports();
    expect(all.some(([from, to]) => from === 'train' && to === 'core')).toBe(true);
    expect(all.some(([from, to]) => from === 'cli' && to === 'index.ts')).toBe(true);
  });
});
