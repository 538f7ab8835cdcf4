/** `branchnet weights list` and `branchnet weights get <name>`: pretrained weights in the local cache. */
import { cacheDir, cacheStatus, type CacheOptions, type CacheState, getWeights, WEIGHTS, type Checksum, type WeightsEntry, type WeightsFormat } from '../../index.js';
import cliProgress from 'cli-progress';
import path from 'node:path';
import type { WeightsArgs } from '../parse.js';

export interface WeightsListRow {
  name: string;
  aliases: string[];
  format: WeightsFormat;
  /** Published size in bytes, when known. */
  size: number | null;
  backbone: string;
  url: string;
  checksum: Checksum | null;
  state: CacheState;
  /** The verified file a trainer loads, when cached. */
  cached: string | null;
  /** Where it goes once downloaded. */
  path: string;
}

/** Every known entry with its cache state (checksums are verified, so a damaged file shows as such). */
export function listWeights(opts: CacheOptions = {}): WeightsListRow[] {
  return (opts.registry ?? WEIGHTS).map((e) => {
    const s = cacheStatus(e, opts);
    return {
      name: e.name, aliases: [...(e.aliases ?? [])], format: e.format, size: e.size ?? null, backbone: e.backbone,
      url: e.url, checksum: e.checksum ?? null, state: s.state, cached: s.state === 'cached' ? s.path : null, path: s.path,
    };
  });
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

function cachedCell(r: WeightsListRow): string {
  switch (r.state) {
    case 'cached': return r.cached!;
    case 'missing': return 'no';
    case 'partial': return 'no (interrupted download; weights get resumes it)';
    case 'unverified': return `no (files present, not yet checked; run branchnet weights get ${r.name})`;
    case 'corrupt': return 'no (damaged; weights get downloads it again)';
  }
}

/** The plain-text table of `branchnet weights list`. */
export function formatWeightsTable(rows: WeightsListRow[], dir: string): string {
  const table = [
    ['NAME', 'FORMAT', 'SIZE', 'BACKBONE', 'CACHED'],
    ...rows.map((r) => [r.aliases.length ? `${r.name} (${r.aliases.join(', ')})` : r.name, r.format, r.size === null ? '?' : mb(r.size), r.backbone, cachedCell(r)]),
  ];
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  const lines = table.map((row) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]))).join('  '));
  return `${lines.join('\n')}\ncache: ${dir}\n`;
}

interface Io {
  stdout?: { write(s: string): unknown };
  stderr?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
}

/**
 * Progress for downloads on stderr: a bar per file on a TTY, else a line every 10% (or every
 * 10 MB when the size is unknown). `log` lines print above the bar.
 */
export function downloadProgress(stream: NonNullable<Io['stderr']>, quiet = false) {
  const write = (s: string) => { if (!quiet) stream.write(s); };
  const tty = !quiet && 'isTTY' in stream && stream.isTTY === true;
  let bar: cliProgress.SingleBar | null = null;
  let file = '';
  let step = -1;
  const stop = () => { bar?.stop(); bar = null; };
  return {
    onProgress(received: number, total: number | null, dest: string) {
      const name = path.basename(dest);
      if (name !== file) {
        stop();
        file = name;
        step = -1;
      }
      if (tty && total !== null) {
        if (!bar) {
          bar = new cliProgress.SingleBar({
            stream: stream as NodeJS.WriteStream,
            format: `${name} [{bar}] {percentage}% {got}/{all} ETA: {eta_formatted}`,
            barCompleteChar: '=', barIncompleteChar: '.', barsize: 30, hideCursor: true, clearOnComplete: false, etaBuffer: 50,
          });
          bar.start(total, received, { got: mb(received), all: mb(total) });
        }
        if (bar.getTotal() !== total) bar.setTotal(total);
        bar.update(received, { got: mb(received), all: mb(total) });
        if (received >= total) stop();
        return;
      }
      // Not a terminal (or no size known): a line every 10%, or every 10 MB.
      const s = total ? Math.floor((received / total) * 10) : Math.floor(received / 10e6);
      if (s !== step) {
        step = s;
        write(`${name}: ${mb(received)}${total ? ` of ${mb(total)} (${Math.floor((received / total) * 100)}%)` : ''}\n`);
      }
    },
    log(message: string) {
      stop();
      write(`${message}\n`);
    },
    stop,
  };
}

export async function weightsCommand(args: WeightsArgs, deps: Io & { registry?: readonly WeightsEntry[]; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const opts: CacheOptions = { cacheDir: args.cacheDir, registry: deps.registry, env: deps.env };

  if (args.action === 'list') {
    const rows = listWeights(opts);
    stdout.write(args.json ? `${JSON.stringify({ cacheDir: cacheDir(opts), weights: rows }, null, 2)}\n` : formatWeightsTable(rows, cacheDir(opts)));
    return 0;
  }

  const progress = downloadProgress(stderr, args.quiet);
  let r: Awaited<ReturnType<typeof getWeights>>;
  try {
    r = await getWeights(args.name, { ...opts, force: args.force, retries: args.retries, onProgress: progress.onProgress, log: progress.log });
  } finally {
    progress.stop();
  }
  const main = r.files.find((f) => f.path === r.path) ?? r.files[0];
  const bytes = r.files.reduce((n, f) => n + f.bytes, 0).toLocaleString('en-US');
  const what = r.files.length > 1 ? `${r.files.length} files, ${bytes} bytes` : `${bytes} bytes`;
  const how = main?.published ? `, ${main.checksum.algo} ${main.checksum.hex} verified` : r.manifest ? `, sha256 as recorded in ${r.manifest}` : '';
  stdout.write(r.downloaded
    ? `${r.entry.name}: downloaded ${what}${main?.published ? how : ''}\n  ${r.path}\n`
    : r.notes.length > 0 // files put there by hand, checksums recorded just now
      ? `${r.entry.name}: found ${what} in the cache; nothing downloaded\n  ${r.path}\n`
      : `${r.entry.name}: already cached and verified (${what}${how}); nothing downloaded\n  ${r.path}\n`);
  for (const n of r.notes) stdout.write(`${n}\n`);
  if (r.notes.length > 0) for (const f of r.files) if (!f.published) stdout.write(`  ${f.checksum.hex}  ${f.name}\n`);
  stdout.write(`train with it: --weights ${r.path}\n`);
  return 0;
}
