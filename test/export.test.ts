/**
 * `branchnet export`: the ONNX file against predict, its metadata, the Triton folder against the
 * file's own graph, the web folder, and the rule that user files are never overwritten.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import pkg from 'onnx-proto';
import { initBackend } from '../src/core/backend.js';
import { loadOrt } from '../src/onnx/session.js';
import { decodeImage } from '../src/data/decode.js';
import { preprocess } from '../src/data/preprocess.js';
import { Predictor } from '../src/eval/predict.js';
import { loadModelDir } from '../src/io/model_dir.js';
import { exportModel, EXPORT_MARKER } from '../src/index.js';
import { parseArgs } from '../src/cli/parse.js';
import { exportCommand } from '../src/cli/commands/export.js';
import { makeTinyModel, type TinyModel } from './model_fixture.js';

const { onnx } = pkg;

/** Names and dims of an ONNX file's graph inputs and outputs, read with onnx-proto. */
async function graphIo(file: string) {
  const g = onnx.ModelProto.decode(await fs.readFile(file)).graph!;
  const io = (v: import('onnx-proto').onnx.IValueInfoProto) => ({
    name: v.name!,
    dims: v.type!.tensorType!.shape!.dim!.map((d) => (d.dimParam ? null : Number(d.dimValue))),
  });
  return { inputs: g.input!.map(io), outputs: g.output!.map(io), ops: new Set(g.node!.map((n) => n.opType)) };
}

/** The blocks of a config.pbtxt `input [ … ]` or `output [ … ]` list: name and dims. */
function pbtxtBlocks(text: string, list: 'input' | 'output'): { name: string; dims: number[]; label?: string }[] {
  const m = new RegExp(`^${list} \\[\\n([\\s\\S]*?)\\n\\]`, 'm').exec(text);
  if (!m) return [];
  return m[1]!.split(/\n  \},?\n?/).filter((b) => b.includes('name:')).map((b) => ({
    name: /name: "([^"]+)"/.exec(b)![1]!,
    dims: /dims: \[([^\]]*)\]/.exec(b)![1]!.split(',').map((s) => Number(s.trim())),
    label: /label_filename: "([^"]+)"/.exec(b)?.[1],
  }));
}

describe('branchnet export', () => {
  let m: TinyModel;
  beforeAll(async () => {
    await initBackend();
    m = await makeTinyModel();
  });
  afterAll(async () => {
    if (m) await fs.rm(m.root, { recursive: true, force: true });
  });

  it('writes an ONNX file that onnxruntime runs like predict (within 1e-4), with the vocabularies and preprocessing as metadata', async () => {
    const out = path.join(m.root, 'out', 'tiny.onnx');
    const r = await exportModel({ model: m.modelDir, format: 'onnx', out });
    expect(r.verified!.maxAbsDiff).toBeLessThan(1e-4);
    expect(r.verified!.images).toBe(4);

    const { meta } = await loadModelDir(m.modelDir);
    const proto = onnx.ModelProto.decode(await fs.readFile(out));
    const props = Object.fromEntries(proto.metadataProps!.map((p) => [p.key, p.value]));
    expect(JSON.parse(props['branchnet.heads']!)).toEqual([
      { name: 'color', vocab: ['black', 'blue', 'red'] },
      { name: 'type', vocab: ['dress', 'jeans', 'shirt'] },
    ]);
    expect(JSON.parse(props['branchnet.vocab.type']!)).toEqual(['dress', 'jeans', 'shirt']);
    expect(JSON.parse(props['branchnet.preprocess']!)).toMatchObject({ height: 32, width: 32, interpolation: 'nearest', preprocess: meta.config.model.preprocess, layout: 'nhwc' });
    expect(props['branchnet.input']).toBe('images');

    const io = await graphIo(out);
    expect(io.inputs).toEqual([{ name: 'images', dims: [null, 32, 32, 3] }]);
    expect(io.outputs).toEqual([{ name: 'color', dims: [null, 3] }, { name: 'type', dims: [null, 3] }]);
    expect(io.ops.has('Conv')).toBe(true);

    // The file, fed as its metadata says (Node's decode + preprocess), against `predict`.
    const ort = (await loadOrt())!;
    const session = await ort.InferenceSession.create(out);
    const predictor = await Predictor.load(m.modelDir, { winograd: false });
    const { predictions } = await predictor.predictFiles(m.images);
    predictor.dispose();
    for (const [i, file] of m.images.entries()) {
      const px = await decodeImage(file, { height: 32, width: 32, interpolation: 'nearest' });
      const x = preprocess(px.data, meta.config.model.preprocess);
      const res = await session.run({ images: new ort.Tensor('float32', x, [1, 32, 32, 3]) });
      for (const head of meta.heads) {
        const got = res[head.name]!.data as Float32Array;
        head.vocab.forEach((v, j) => expect(Math.abs(got[j]! - predictions[i]!.heads[head.name]!.probabilities[v]!), `${file} ${head.name} ${v}`).toBeLessThan(1e-4));
      }
    }
    await session.release();
  });

  it('writes a Triton model folder whose config.pbtxt names the real input/output names and shapes of 1/model.onnx', async () => {
    const out = path.join(m.root, 'models', 'tiny');
    const r = await exportModel({ model: m.modelDir, format: 'onnx', out, triton: true, verify: false });
    expect(r.files).toEqual(['1/model.onnx', 'color_labels.txt', 'config.pbtxt', 'type_labels.txt']);
    const text = await fs.readFile(path.join(out, 'config.pbtxt'), 'utf8');
    expect(text).toMatch(/^name: "tiny"$/m);
    expect(text).toMatch(/^platform: "onnxruntime_onnx"$/m);
    const maxBatch = Number(/^max_batch_size: (\d+)$/m.exec(text)![1]);
    expect(maxBatch).toBeGreaterThan(1);
    expect(text).toMatch(/^dynamic_batching \{\n {2}max_queue_delay_microseconds: \d+\n\}$/m);

    const io = await graphIo(path.join(out, '1', 'model.onnx'));
    // Triton's dims leave out the batch axis, which must be the graph's dynamic first dim.
    const expected = (vs: { name: string; dims: (number | null)[] }[]) => vs.map((v) => {
      expect(v.dims[0], `${v.name} batch axis`).toBeNull();
      return { name: v.name, dims: v.dims.slice(1) };
    });
    expect(pbtxtBlocks(text, 'input').map(({ name, dims }) => ({ name, dims }))).toEqual(expected(io.inputs));
    expect(pbtxtBlocks(text, 'output').map(({ name, dims }) => ({ name, dims }))).toEqual(expected(io.outputs));
    expect(pbtxtBlocks(text, 'output').map((b) => b.label)).toEqual(['color_labels.txt', 'type_labels.txt']);
    expect(await fs.readFile(path.join(out, 'color_labels.txt'), 'utf8')).toBe('black\nblue\nred\n');
  });

  it('writes the web page with the model under model/, loadable by relative URL, without local paths', async () => {
    execFileSync(process.execPath, [path.resolve('scripts/build-web.mjs')]);
    const out = path.join(m.root, 'site');
    const r = await exportModel({ model: m.modelDir, format: 'web', out });
    expect(r.files).toEqual(expect.arrayContaining(['index.html', 'app.js', 'style.css', 'model/branchnet.json', 'model/model.json', 'model/weights.bin']));
    const html = await fs.readFile(path.join(out, 'index.html'), 'utf8');
    expect(html).toContain('src="app.js"');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const modelJson = JSON.parse(await fs.readFile(path.join(out, 'model', 'model.json'), 'utf8'));
    expect(modelJson.weightsManifest[0].paths).toEqual(['weights.bin']);
    const meta = await fs.readFile(path.join(out, 'model', 'branchnet.json'), 'utf8');
    expect(JSON.parse(meta).config).toEqual({ model: expect.objectContaining({ height: 32, width: 32 }), data: { interpolation: 'nearest' } });
    expect(meta).not.toContain(m.root);
  });

  it('refuses to replace a folder or file it did not write (E_EXPORT_OUT, naming it and the fix), replaces its own, and --overwrite replaces any', async () => {
    const mine = path.join(m.root, 'user-folder');
    await fs.mkdir(mine);
    await fs.writeFile(path.join(mine, 'thesis.tex'), 'precious');
    await expect(exportModel({ model: m.modelDir, format: 'web', out: mine })).rejects.toMatchObject({
      code: 'E_EXPORT_OUT',
      message: expect.stringMatching(/user-folder: the folder exists and holds 1 file\(s\) branchnet did not export \(thesis\.tex\); choose another -o, or pass --overwrite/),
    });
    expect(await fs.readFile(path.join(mine, 'thesis.tex'), 'utf8')).toBe('precious');
    const file = path.join(m.root, 'notes.onnx');
    await fs.writeFile(file, 'mine');
    await expect(exportModel({ model: m.modelDir, format: 'onnx', out: file, verify: false })).rejects.toMatchObject({ code: 'E_EXPORT_OUT', message: expect.stringContaining('notes.onnx: already exists and branchnet did not write it; choose another -o, or pass --overwrite') });
    expect(await fs.readFile(file, 'utf8')).toBe('mine');
    await exportModel({ model: m.modelDir, format: 'onnx', out: file, verify: false, overwrite: true });
    await exportModel({ model: m.modelDir, format: 'onnx', out: file, verify: false }); // now its own file: replaced without asking

    const site = path.join(m.root, 'site2');
    await exportModel({ model: m.modelDir, format: 'web', out: site });
    await exportModel({ model: m.modelDir, format: 'web', out: site }); // its own marker: replaced without asking
    expect((await fs.readdir(site))).toContain(EXPORT_MARKER);
    await fs.writeFile(path.join(site, 'model', 'notes.md'), 'added by hand');
    await expect(exportModel({ model: m.modelDir, format: 'web', out: site })).rejects.toMatchObject({
      code: 'E_EXPORT_OUT', message: expect.stringContaining('site2: branchnet exported this folder, but 1 file(s) were added since (model/notes.md)'),
    });
    await exportModel({ model: m.modelDir, format: 'web', out: mine, overwrite: true });
    expect((await fs.readdir(mine))).not.toContain('thesis.tex');
  });

  it('the CLI parses export options and prints the verification', async () => {
    expect(parseArgs(['export', 'runs/a', '--format', 'onnx', '--triton', '-o', 'models/a'])).toMatchObject({ command: 'export', model: 'runs/a', format: 'onnx', triton: true, out: 'models/a', overwrite: false, verify: true });
    expect(() => parseArgs(['export', 'runs/a'])).toThrow(/--format/);
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { lines.push(String(s)); return true; });
    try {
      const args = parseArgs(['export', m.modelDir, '--format', 'onnx', '-o', path.join(m.root, 'cli.onnx')]);
      expect(await exportCommand(args as never)).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(lines.join('')).toMatch(/verified: onnxruntime vs TF\.js on 4 generated images, max abs difference \d\.\d\de-\d+/);
    expect(lines.join('')).toContain('outputs: color [N, 3], type [N, 3]');
  });
});
