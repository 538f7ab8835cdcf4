/**
 * Text widths for DejaVu Sans (the font the charts ask for and librsvg finds on this machine),
 * from the advance widths in the font's hmtx table, in em, for printable ASCII (32..126).
 * Used to fit grid captions and to give Vega real text metrics when no canvas is installed
 * (Vega's fallback guesses 0.8 em per character, which makes legends and margins far too wide).
 */
import * as vega from 'vega';

// prettier-ignore
const REGULAR: readonly number[] = [
  0.318, 0.401, 0.46, 0.838, 0.636, 0.95, 0.78, 0.275, 0.39, 0.39, 0.5, 0.838, 0.318, 0.361, 0.318, 0.337,
  0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.337, 0.337, 0.838, 0.838, 0.838, 0.531,
  1.0, 0.684, 0.686, 0.698, 0.77, 0.632, 0.575, 0.775, 0.752, 0.295, 0.295, 0.656, 0.557, 0.863, 0.748, 0.787,
  0.603, 0.787, 0.695, 0.635, 0.611, 0.732, 0.684, 0.989, 0.685, 0.611, 0.685, 0.39, 0.337, 0.39, 0.838, 0.5,
  0.5, 0.613, 0.635, 0.55, 0.635, 0.615, 0.352, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.974, 0.634, 0.612,
  0.635, 0.635, 0.411, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592, 0.592, 0.525, 0.636, 0.337, 0.636, 0.838,
];
// prettier-ignore
const BOLD: readonly number[] = [
  0.348, 0.456, 0.521, 0.838, 0.696, 1.002, 0.872, 0.306, 0.457, 0.457, 0.523, 0.838, 0.38, 0.415, 0.38, 0.365,
  0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.4, 0.4, 0.838, 0.838, 0.838, 0.58,
  1.0, 0.774, 0.762, 0.734, 0.83, 0.683, 0.683, 0.821, 0.837, 0.372, 0.372, 0.775, 0.637, 0.995, 0.837, 0.85,
  0.733, 0.85, 0.77, 0.72, 0.682, 0.812, 0.774, 1.103, 0.771, 0.724, 0.725, 0.457, 0.365, 0.457, 0.838, 0.5,
  0.5, 0.675, 0.716, 0.593, 0.716, 0.678, 0.435, 0.716, 0.712, 0.343, 0.343, 0.665, 0.343, 1.042, 0.712, 0.687,
  0.716, 0.716, 0.493, 0.595, 0.478, 0.712, 0.652, 0.924, 0.645, 0.652, 0.582, 0.712, 0.365, 0.712, 0.838,
];
/** Average advance of non-ASCII glyphs (measured over Cyrillic), a fair guess for the rest. */
const OTHER_REGULAR = 0.705;
const OTHER_BOLD = 0.789;

/** Width in px of `text` set in DejaVu Sans at `fontSize` px. */
export function textWidth(text: string, fontSize: number, bold = false): number {
  const table = bold ? BOLD : REGULAR;
  let em = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    em += c >= 32 && c <= 126 ? table[c - 32]! : c < 32 ? 0 : bold ? OTHER_BOLD : OTHER_REGULAR;
  }
  return em * fontSize;
}

function isBold(weight: unknown): boolean {
  if (typeof weight === 'number') return weight >= 600;
  return typeof weight === 'string' && (weight === 'bold' || weight === 'bolder' || Number(weight) >= 600);
}

/** Longest prefix of `text` that fits `limit` px together with an ellipsis. */
export function truncateToWidth(text: string, limit: number, fontSize: number, bold = false, ellipsis = '\u2026'): string {
  if (textWidth(text, fontSize, bold) <= limit) return text;
  const chars = [...text];
  const room = limit - textWidth(ellipsis, fontSize, bold);
  while (chars.length > 0 && textWidth(chars.join(''), fontSize, bold) > room) chars.pop();
  return chars.join('') + ellipsis;
}

interface VegaTextItem {
  fontSize?: number | string;
  fontWeight?: number | string;
  limit?: number;
  ellipsis?: string;
  text?: unknown;
}
interface VegaTextMetrics {
  width: (item: VegaTextItem, text?: unknown) => number;
  estimateWidth: (item: VegaTextItem, text?: unknown) => number;
}

/** Vega-compatible `textMetrics.width` (same contract as Vega's own estimateWidth). */
export function vegaTextWidth(item: VegaTextItem, text?: unknown): number {
  const size = item.fontSize != null ? +item.fontSize || 0 : 11;
  const bold = isBold(item.fontWeight);
  const raw = text == null ? '' : String(text).trim();
  const limit = Number(item.limit ?? 0);
  const shown = limit > 0 && raw.length > 0 ? truncateToWidth(raw, limit, size, bold, item.ellipsis ?? '\u2026') : raw;
  return textWidth(shown, size, bold);
}

/**
 * Make Vega measure text with DejaVu Sans widths, but only where it would otherwise fall back
 * to its 0.8 em/char guess (no canvas package). Idempotent; leaves a canvas measurer alone.
 * Returns whether the DejaVu metrics are in use.
 */
export function useDejaVuTextMetrics(): boolean {
  const tm = (vega as unknown as { textMetrics?: VegaTextMetrics }).textMetrics;
  if (!tm) return false;
  if (tm.width === vegaTextWidth) return true;
  if (tm.width !== tm.estimateWidth) return false;
  tm.width = vegaTextWidth;
  return true;
}
