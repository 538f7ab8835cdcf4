/** The one escape function and the auto-escaping html`…` template (./markup.ts). */
import { describe, expect, it } from 'vitest';
import { escapeMarkup, html, raw } from './markup.js';

describe('escapeMarkup', () => {
  it('escapes the five markup characters for content and attributes', () => {
    expect(escapeMarkup(`<a href="x">'&`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
  });

  it('drops control characters XML 1.0 cannot hold, keeps tab and newlines', () => {
    expect(escapeMarkup('bell\u0007 tab\t nl\n cr\r end\uFFFF')).toBe('bell tab\t nl\n cr\r end');
  });

  it('writes numbers and other values as text', () => {
    expect(escapeMarkup(3.5)).toBe('3.5');
    expect(escapeMarkup(null)).toBe('null');
  });
});

describe('html`…`', () => {
  const evil = '<script>alert("x")</script>';

  it('escapes every interpolation, in content and in attributes', () => {
    expect(html`<p title="${evil}">${evil}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>',
    );
  });

  it('keeps raw() and nested html`…` as they are, and escapes text inside the nested one', () => {
    const cell = html`<td>${evil}</td>`;
    expect(html`<tr>${cell}${raw('<td>ok</td>')}</tr>`.value).toBe('<tr><td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</td><td>ok</td></tr>');
  });

  it('joins arrays without a separator; null, undefined and false write nothing; numbers and true are text', () => {
    expect(html`${['<a>', html`<b>`, 1]}|${null}${undefined}${false}|${0}${true}`.value).toBe('&lt;a&gt;<b>1||0true');
  });

  it('is a string where a string is expected', () => {
    expect(`${html`<i>${'&'}</i>`}`).toBe('<i>&amp;</i>');
    expect([html`<i></i>`, 'x'].join('\n')).toBe('<i></i>\nx');
  });
});
