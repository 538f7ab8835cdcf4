import { describe, expect, it } from 'vitest';
import { parseArgs } from './parse.js';
import { SERVE_DEFAULTS } from '../core/defaults.js';

describe('branchnet serve flags', () => {
  it('without flags: loopback on port 8080 and every limit from SERVE_DEFAULTS', () => {
    const a = parseArgs(['serve', 'runs/a']);
    expect(a).toMatchObject({
      command: 'serve', model: 'runs/a', host: '127.0.0.1', port: 8080,
      maxFiles: SERVE_DEFAULTS.maxFiles, maxBodyBytes: 10 * 1024 * 1024, maxPixels: SERVE_DEFAULTS.maxPixels,
      batchWindowMs: SERVE_DEFAULTS.batchWindowMs, maxBatch: SERVE_DEFAULTS.maxBatch, maxQueue: SERVE_DEFAULTS.maxQueue,
      requestTimeoutMs: SERVE_DEFAULTS.requestTimeoutMs,
    });
    expect(a).not.toHaveProperty('apiKeyFile', expect.anything());
  });

  it('reads every flag; --max-body takes k/m suffixes', () => {
    const a = parseArgs(['serve', 'm', '--host', '0.0.0.0', '--port', '0', '--max-files', '4', '--max-body', '2m', '--max-pixels', '1000000',
      '--batch-window', '2.5', '--max-batch', '8', '--max-queue', '64', '--request-timeout', '5000', '--api-key-file', 'keys.txt', '--cors', 'https://shop.example']);
    expect(a).toMatchObject({
      host: '0.0.0.0', port: 0, maxFiles: 4, maxBodyBytes: 2 * 1024 * 1024, maxPixels: 1_000_000, batchWindowMs: 2.5, maxBatch: 8,
      maxQueue: 64, requestTimeoutMs: 5000, apiKeyFile: 'keys.txt', cors: 'https://shop.example',
    });
  });

  it('refuses a queue smaller than one request, and sizes that are not sizes', () => {
    expect(() => parseArgs(['serve', 'm', '--max-queue', '4'])).toThrow('--max-queue (4) must be at least --max-files (16), or a full request could never be admitted; run branchnet serve --help');
    expect(() => parseArgs(['serve', 'm', '--max-body', 'lots'])).toThrow('option \'--max-body <bytes>\' argument \'lots\' is invalid. --max-body expects a byte count such as 10485760 or 10m, received "lots"; run branchnet serve --help');
    expect(() => parseArgs(['serve', 'm', '--port', '70000'])).toThrow('--port 70000 is not a port; use 0 to 65535');
  });
});
