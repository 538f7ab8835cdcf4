/**
 * The threaded wasm start, in a child process of its own (the rest of the suite runs one wasm
 * thread per test file; see vitest.config.ts): Node must get the 2 threads asked for, and a
 * start that never finishes fails here on a timeout instead of hanging the suite.
 * Runs the built library (dist/, which `npm install` builds through `prepare`).
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

describe('wasm threads in Node', () => {
  it('initBackend({ threads: 2 }) starts the threaded build with 2 threads', async () => {
    expect(fs.existsSync(path.join(root, 'dist/core/backend.js')), 'dist/ is missing: run npm run build').toBe(true);
    const script = `const m = await import('./dist/core/backend.js'); const tf = (await import('./dist/core/tf.js')).tf;
      const info = await m.initBackend({ backend: 'wasm', threads: 2 });
      const y = tf.tidy(() => tf.conv2d(tf.ones([1, 16, 16, 8]), tf.ones([3, 3, 8, 4]), 1, 'same').sum().dataSync()[0]);
      console.log(JSON.stringify({ ...info, y }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root, timeout: 90_000, env: { ...process.env, BRANCHNET_THREADS: '' },
    });
    const info = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(info.name).toBe('wasm');
    expect(info.threads).toBe(2);
    expect(info.simd).toBe(true);
    // A 'same' 3x3 conv of ones: per axis 16*3 - 2 valid taps, times 8 input and 4 output channels.
    expect(info.y).toBe(4 * 8 * (16 * 3 - 2) ** 2);
  });
});
