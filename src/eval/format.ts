/**
 * Plain-text and Markdown formatting shared by the metrics tables and the HTML report:
 * percentages, Wilson intervals written as `93.3% [88.1–96.3]`, aligned text tables.
 * Pure string functions; no I/O.
 */

/** A proportion with its Wilson score interval (see `wilson` in ./metrics.ts). */
export interface Rate {
  /** k / n; NaN when n = 0. */
  rate: number;
  /** Lower bound of the interval (0 when n = 0). */
  lo: number;
  /** Upper bound of the interval (1 when n = 0). */
  hi: number;
  /** Trials. */
  n: number;
  /** Successes. */
  k: number;
}

/** Placeholder written for a value that does not exist (no images, no runs). */
export const NONE = '–';

/**
 * A fraction as a percentage with `digits` decimals; NaN/undefined → "–".
 * @example pct(0.93333) // "93.3%"
 */
export function pct(x: number | undefined, digits = 1): string {
  return x === undefined || !Number.isFinite(x) ? NONE : `${(x * 100).toFixed(digits)}%`;
}

/**
 * The interval of a rate, in percent without the % sign.
 * @example formatInterval({ rate: 0.8, lo: 0.4902, hi: 0.9433, n: 10, k: 8 }) // "[49.0–94.3]"
 */
export function formatInterval(r: Rate, digits = 1): string {
  return `[${(r.lo * 100).toFixed(digits)}–${(r.hi * 100).toFixed(digits)}]`;
}

/**
 * A rate with its 95% Wilson interval, as every table writes it; n = 0 → "–".
 * @example formatRate({ rate: 0.8, lo: 0.4902, hi: 0.9433, n: 10, k: 8 }) // "80.0% [49.0–94.3]"
 */
export function formatRate(r: Rate | undefined, digits = 1): string {
  if (r === undefined || r.n === 0 || !Number.isFinite(r.rate)) return NONE;
  return `${pct(r.rate, digits)} ${formatInterval(r, digits)}`;
}

/** Display width of a string in a monospace terminal (code points; good enough for labels). */
function width(s: string): number {
  return [...s].length;
}

function padEnd(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - width(s)));
}

function padStart(s: string, w: number): string {
  return ' '.repeat(Math.max(0, w - width(s))) + s;
}

/**
 * Aligned plain-text table: first column left-aligned, the others right-aligned, a rule under
 * the header.
 * @example textTable(['a', 'b'], [['x', '1']]) // "a  b\n─────\nx  1"
 */
export function textTable(header: string[], rows: string[][], opts: { gap?: number; align?: ('left' | 'right')[] } = {}): string {
  const gap = ' '.repeat(opts.gap ?? 2);
  const cols = Math.max(header.length, ...rows.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, c) => Math.max(width(header[c] ?? ''), ...rows.map((r) => width(r[c] ?? ''))));
  const align = (c: number): 'left' | 'right' => opts.align?.[c] ?? (c === 0 ? 'left' : 'right');
  const line = (cells: string[]): string =>
    widths
      .map((w, c) => (align(c) === 'left' ? padEnd(cells[c] ?? '', w) : padStart(cells[c] ?? '', w)))
      .join(gap)
      .trimEnd();
  const total = widths.reduce((a, b) => a + b, 0) + gap.length * (cols - 1);
  return [line(header), '─'.repeat(total), ...rows.map(line)].join('\n');
}

/** Escape a cell for a Markdown table (pipes and newlines). */
export function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * GitHub-flavoured Markdown table; first column left-aligned, the others right-aligned.
 * @example markdownTable(['a', 'b'], [['x', '1']]) // "| a | b |\n| :-- | --: |\n| x | 1 |"
 */
export function markdownTable(header: string[], rows: string[][]): string {
  const row = (cells: string[]): string => `| ${header.map((_, c) => mdCell(cells[c] ?? '')).join(' | ')} |`;
  const rule = `| ${header.map((_, c) => (c === 0 ? ':--' : '--:')).join(' | ')} |`;
  return [row(header), rule, ...rows.map(row)].join('\n');
}
