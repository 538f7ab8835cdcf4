import { describe, expect, it, vi } from 'vitest';
import { helpText, parseArgs } from './parse.js';
import { BranchnetError } from '../core/errors.js';

describe('the CLI parser: weights', () => {
  it('weights get takes a name, --cache-dir, --force, --retries and --quiet', () => {
    expect(parseArgs(['weights', 'get', 'vgg16'])).toEqual({ command: 'weights', action: 'get', name: 'vgg16', cacheDir: undefined, force: false, retries: undefined, quiet: undefined });
    expect(parseArgs(['weights', 'get', 'vgg16-notop', '--cache-dir', '/tmp/c', '--force', '--retries', '5', '-q'])).toEqual({
      command: 'weights', action: 'get', name: 'vgg16-notop', cacheDir: '/tmp/c', force: true, retries: 5, quiet: true,
    });
  });

  it('weights list takes --cache-dir and --json', () => {
    expect(parseArgs(['weights', 'list'])).toEqual({ command: 'weights', action: 'list', cacheDir: undefined, json: false });
    expect(parseArgs(['weights', 'list', '--json', '--cache-dir', 'c'])).toEqual({ command: 'weights', action: 'list', cacheDir: 'c', json: true });
  });

  it('bad input fails with E_ARGS', () => {
    // commander also prints the subcommand's help after the error; keep the test output clean
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
    expect(() => parseArgs(['weights', 'get'])).toThrow(BranchnetError);
    expect(() => parseArgs(['weights', 'get'])).toThrow(/missing required argument 'name'/);
    expect(() => parseArgs(['weights', 'fetch', 'vgg16'])).toThrow(/unknown command 'fetch'/);
    expect(() => parseArgs(['weights', 'get', 'vgg16', '--retries', 'many'])).toThrow(/--retries expects a whole number, received "many"/);
    expect(() => parseArgs(['weights', 'list', '--force'])).toThrow(/unknown option '--force'/);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });

  it('weights alone, and --help, show help instead of running (printed once, by main, from helpText)', () => {
    const out = vi.spyOn(process.stdout, 'write');
    const err = vi.spyOn(process.stderr, 'write');
    try {
      expect(parseArgs(['weights'])).toBeNull();
      expect(parseArgs(['weights', 'get', '--help'])).toBeNull();
      // parseArgs itself prints nothing: main.ts prints helpText once.
      expect(out).not.toHaveBeenCalled();
      expect(err).not.toHaveBeenCalled();
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    expect(helpText(['weights'])).toMatch(/Usage: branchnet weights \[options\] \[command\][\s\S]*list \[options\][\s\S]*get \[options\] <name>/);
    const help = helpText(['weights', 'get', '--help']);
    expect(help).toMatch(/Usage: branchnet weights get \[options\] <name>[\s\S]*--cache-dir <dir>[\s\S]*--force[\s\S]*--retries <n>/);
    expect(help.match(/Usage:/g)).toHaveLength(1);
    expect(helpText(['--help'])).toMatch(/weights\s+pretrained backbone weights/);
  });
});
