/**
 * Inline SVG in an HTML page: `isolateSvgIds` gives each drawing ids of its own, so several
 * charts on one page never share a clip-path or gradient id.
 */

/**
 * Prefix every `id` in an SVG (and the `url(#…)` / `href="#…"` references to it), so several
 * inline SVGs in one page never share clip-path or gradient ids.
 * @example isolateSvgIds('<svg><clipPath id="a"/><g clip-path="url(#a)"/></svg>', 'c1') // ids "c1-a", url(#c1-a)
 */
export function isolateSvgIds(svg: string, prefix: string): string {
  const ids = new Set<string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) ids.add(m[1]!);
  if (ids.size === 0) return svg;
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_, a: string, id: string) => `${a}${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (m, id: string) => (ids.has(id) ? `url(#${prefix}-${id})` : m))
    .replace(/(href=")#([^"]+)"/g, (m, a: string, id: string) => (ids.has(id) ? `${a}#${prefix}-${id}"` : m));
}
