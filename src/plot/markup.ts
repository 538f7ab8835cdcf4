/**
 * Markup text for HTML and SVG: the one escape function (`escapeMarkup`) and the `html` tagged
 * template that escapes every interpolation unless it is already markup (`raw`, or another `html`).
 */

/** Characters XML 1.0 cannot hold (HTML calls them parse errors): dropped, never escaped. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escape text for element content and (quoted) attribute values of HTML, SVG and XML alike;
 * drops the control characters XML 1.0 cannot hold.
 * @example escapeMarkup(`<a href="x">'&`) // "&lt;a href=&quot;x&quot;&gt;&#39;&amp;"
 */
export function escapeMarkup(text: unknown): string {
  return String(text).replace(NOT_XML, '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A string that is already markup: `html` inserts it as it is. Make one with `raw` or `html`. */
export class Markup {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/**
 * Mark a string as markup that `html` must not escape (an inline SVG, a built-in snippet).
 * Never pass it text that came from a user, a file or a model.
 * @example html`<div>${raw('<b>x</b>')}</div>` // <div><b>x</b></div>
 */
export function raw(markup: string): Markup {
  return new Markup(markup);
}

/** What `html` accepts in a `${}`: text (escaped), markup (kept), arrays (joined without separator), nothing. */
export type Interpolation = Markup | string | number | boolean | null | undefined | readonly Interpolation[];

function interpolate(v: Interpolation): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Markup) return v.value;
  if (Array.isArray(v)) return (v as readonly Interpolation[]).map(interpolate).join('');
  return escapeMarkup(v);
}

/**
 * Tagged template for markup: each `${value}` is escaped unless it is `Markup` (from `raw` or a
 * nested `html`); arrays are joined; null, undefined and false write nothing.
 * @example html`<td title="${name}">${count}</td>` // name "<b>" → <td title="&lt;b&gt;">3</td>
 */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Markup {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += interpolate(values[i]!) + strings[i + 1]!;
  return new Markup(out);
}
