/**
 * The data check as text for a terminal: counts per combination and per label, formats and
 * sizes, then one line per problem (`severity  code  path: what and how to fix`), paths
 * relative to the data folder. Plain string in, plain string out; the CLI prints it.
 */
import path from 'node:path';
import type { CheckProblem, CheckReport } from './check.js';

const SEVERITY_WORD = { fatal: 'fatal', warning: 'warning', info: 'note' } as const;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A problem's subject as the user would type it: relative to the data folder when inside it. */
export function problemSubject(p: CheckProblem, root: string): string {
  if (!path.isAbsolute(p.subject) && !p.subject.includes(path.sep)) return p.subject;
  const rel = path.relative(root, p.subject);
  return rel === '' ? p.subject : rel.startsWith('..') ? p.subject : rel;
}

/** One problem as one line: `fatal    bad_folder_name      misc: …`. */
export function formatProblem(p: CheckProblem, root: string): string {
  return `${SEVERITY_WORD[p.severity].padEnd(8)} ${p.code.padEnd(20)} ${problemSubject(p, root)}: ${p.message}`;
}

/**
 * The whole report, one line per fact.
 * @example process.stdout.write(formatCheckReport((await checkData('data/train')).report))
 */
export function formatCheckReport(r: CheckReport, root = r.source): string {
  const lines: string[] = [];
  const combos = Object.entries(r.combinations);
  lines.push(`${r.source}: ${plural(r.files, 'path')} looked at, ${plural(r.images, 'usable image')} in ${plural(combos.filter(([, n]) => n > 0).length, 'combination')} (heads ${r.heads.join(', ')})`);
  if (combos.length) {
    const w = Math.max('combination'.length, ...combos.map(([c]) => c.length));
    lines.push('', `${'combination'.padEnd(w)}  images`);
    for (const [c, n] of combos) lines.push(`${c.padEnd(w)}  ${String(n).padStart(6)}`);
  }
  const hw = Math.max(...r.heads.map((h) => h.length), 0);
  const labelLines = r.heads.filter((h) => Object.keys(r.labels[h] ?? {}).length).map((h) => `${h.padEnd(hw)}  ${Object.entries(r.labels[h]!).map(([l, n]) => `${l} ${n}`).join(', ')}`);
  if (labelLines.length) lines.push('', ...labelLines);
  if (r.sizes) {
    lines.push('', `formats  ${Object.entries(r.formats).map(([f, n]) => `${f} ${n}`).join(', ')}`);
    lines.push(`sizes    ${r.sizes.common.map((s) => `${s.size} (${s.images})`).join(', ')}; smallest ${r.sizes.smallest}, largest ${r.sizes.largest}`);
  }
  lines.push('');
  const { fatal, warning, info } = r.counts;
  if (fatal + warning + info === 0) {
    lines.push('no problems found');
  } else {
    lines.push(`${plural(fatal, 'fatal problem')}, ${plural(warning, 'warning')}, ${plural(info, 'note')}`);
    for (const p of r.problems) lines.push(formatProblem(p, root));
  }
  lines.push('');
  lines.push(r.ok
    ? `train can start: ${plural(r.images, 'image')}${warning ? `; the files named in warnings are left out` : ''}`
    : 'train refuses this data set until the fatal problems are fixed (exit code 1)');
  return lines.join('\n') + '\n';
}
