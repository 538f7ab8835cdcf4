/**
 * The threaded wasm start, in a child process of its own (the rest of the suite runs one wasm
 * thread per test file; see vitest.config.ts): Node must get the 2 threads asked for, and a
 * start that never finishes fails here on a timeout instead of hanging the suite.
 * Runs the source: esbuild bundles src/core (packages stay external) into a fresh file for the
 * child, so a stale dist/ cannot decide the result.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

describe('wasm threads in Node', () => {
  it('initBackend({ threads: 2 }) starts the threaded build with 2 threads', async () => {
    // Inside the package (not /tmp): the bundle finds the packages it imports, and the wasm
    // files they resolve with createRequire(import.meta.url), in <root>/node_modules.
    const dir = path.join(root, 'node_modules', '.cache', 'branchnet-threads-test', `${process.pid}-${randomBytes(4).toString('hex')}`);
    const outfile = path.join(dir, 'threads.mjs');
    try {
      await build({
        stdin: {
          contents: `import { initBackend } from './src/core/backend.ts'; import { tf } from './src/core/tf.ts';
            const info = await initBackend({ backend: 'wasm', threads: 2 });
            const y = tf.tidy(() => tf.conv2d(tf.ones([1, 16, 16, 8]), tf.ones([3, 3, 8, 4]), 1, 'same').sum().dataSync()[0]);
            console.log(JSON.stringify({ ...info, y }));`,
          resolveDir: root,
          loader: 'ts',
        },
        bundle: true,
        packages: 'external',
        platform: 'node',
        format: 'esm',
        target: 'node20',
        outfile,
        logLevel: 'silent',
      });
      const { stdout } = await promisify(execFile)(process.execPath, [outfile], {
        cwd: root, timeout: 90_000, env: { ...process.env, BRANCHNET_THREADS: '' },
      });
      const info = JSON.parse(stdout.trim().split('\n').at(-1)!);
      expect(info.name).toBe('wasm');
      expect(info.threads).toBe(2);
      expect(info.simd).toBe(true);
      // A 'same' 3x3 conv of ones: per axis 16*3 - 2 valid taps, times 8 input and 4 output channels.
      expect(info.y).toBe(4 * 8 * (16 * 3 - 2) ** 2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
