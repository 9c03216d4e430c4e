/**
 * A seeded generator of messy Markdown Kanban boards for property tests, with what each board
 * should parse to, plus small text helpers (line split, line diff, cutting a span out).
 */
import type { ColumnKind, Span } from '../../src/board/index.ts';
import { rng } from './random.ts';

export { rng };


export interface GenCard {
  title: string;
  owner: string | null;
  checkbox: 'open' | 'done' | null;
  marker: string | null;
  mentions: string[];
  after: string[];
  /** Lines from the first to the last, nested and inner blank lines included. */
  lineCount: number;
}

export interface GenBoard {
  seed: number;
  text: string;
  eol: '\n' | '\r\n';
  /** Some line breaks use the other ending. */
  mixedEol: boolean;
  obsidian: boolean;
  synced: string | null;
  columns: Array<{ kind: ColumnKind; heading: string; cards: GenCard[] }>;
  /** Headings of `##` sections that are not columns. */
  others: string[];
}

const KINDS: ColumnKind[] = ['backlog', 'in_progress', 'review', 'done', 'blocked'];
const WORDS: Record<ColumnKind, string[]> = {
  backlog: ['Backlog', 'To Do', 'Todo', 'Ready', 'Up Next'],
  in_progress: ['In Progress', 'Doing', 'WIP', 'Active'],
  review: ['Review', 'In Review', 'QA'],
  done: ['Done', 'Complete', 'Completed', 'Shipped'],
  blocked: ['Blocked'],
};
const PREFIXES = ['', '', '✅ ', 'âœ… ', '🔨 ', 'ğŸ”¨ ', '📋 ', 'ğŸ“‹ ', '🚫 ', 'ğŸš« '];
const SUFFIXES = ['', '', ' (3)', ' ✨', ' [wip]'];
const TITLE_WORDS = [
  'audit', 'TOEFL', 'followups', 'dedup', 'Superset', 'concat', 'Stage', 'LoRA', 'mix', 'ratios',
  'café', 'naïve', '🚀', 'âœ…', 'â†’', 'cafÃ©', 'eval', 'harness', '(README)', 'data', 'Magpie',
  '`stage1.jsonl`', '40%', 'ES/EN', 'O\'Brien', '2.0',
];
const OWNERS = ['Quimbot', 'Petrarch', 'Ada Lovelace', 'codex', 'Grace B Hopper'];
const SEPARATORS = [' — ', ' -- ', ' – ', ' â€” '];
const MARKERS = ['-', '-', '-', '*', '+', '1.', '1)'];
const OTHERS = ['📝 Notes', 'Notes on done work', 'Ideas', 'ğŸ“ Links', 'Retro'];

/** Builds one random board from a seed; the same seed always gives the same board. */
export function generateBoard(seed: number): GenBoard {
  const r = rng(seed);
  const chance = (p: number) => r() < p;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const trailing = () => (chance(0.15) ? pick(['  ', ' ', '\t', '   ']) : '');
  const caseOf = (w: string) => pick([w, w, w.toLowerCase(), w.toUpperCase()]);

  const eol: '\n' | '\r\n' = chance(0.35) ? '\r\n' : '\n';
  const obsidian = chance(0.15);
  const lines: string[] = [];
  const titles: string[] = [];
  let markers = 0;
  if (obsidian) lines.push('---', '', 'kanban-plugin: basic', '', '---', '');
  if (chance(0.7)) lines.push(`# ${pick(['KANBAN.md — Quimbot Project Board', 'KANBAN.md â€” Quimbot Project Board', 'Team board 🚀', 'Board'])}`, '');
  const synced = chance(0.5) ? `2026-02-${int(10, 28)} ${int(10, 23)}:00 ET (standup)` : null;
  if (synced) lines.push(`_Last synced: ${synced}_`, '');

  const kinds = KINDS.filter(() => chance(0.75));
  if (kinds.length === 0) kinds.push(pick(KINDS));
  kinds.sort(() => r() - 0.5);
  const columns: GenBoard['columns'] = [];
  const others: string[] = [];

  const otherSection = () => {
    const heading = pick(OTHERS);
    others.push(heading);
    lines.push(`## ${heading}`);
    for (let i = int(0, 3); i > 0; i--) {
      lines.push(pick([`- note ${pick(TITLE_WORDS)}${trailing()}`, 'Some prose, kept verbatim.', '1. first', '- [x] an idea']));
    }
    if (chance(0.3)) lines.push('```', '## Done', '- [ ] fake card', '```');
    lines.push('');
  };

  for (const kind of kinds) {
    if (chance(0.25)) otherSection();
    const heading = `${pick(PREFIXES)}${caseOf(pick(WORDS[kind]))}${pick(SUFFIXES)}`;
    lines.push(`## ${heading}${chance(0.1) ? ' ' : ''}`);
    if (chance(0.4)) lines.push('');
    if (obsidian && kind === 'done' && chance(0.5)) lines.push('**Complete**');
    const marker = pick(MARKERS);
    const checkbox = obsidian || chance(0.3);
    const indent = pick(['', '', '', '', ' ', '  ', '   ']);
    const loose = chance(0.15);
    const cards: GenCard[] = [];
    for (let n = 0, count = int(0, 5); n < count; n++) {
      if (loose && n > 0) lines.push('');
      const ordinal = /^1([.)])$/.exec(marker);
      const bullet = ordinal ? `${n + 1}${ordinal[1]}` : marker;
      const done = kind === 'done' ? chance(0.8) : chance(0.1);
      const box = checkbox ? (done ? '[x] ' : '[ ] ') : '';
      let title = chance(0.07) && titles.length > 0 ? pick(titles) : '';
      if (!title) {
        const words = Array.from({ length: int(1, 4) }, () => pick(TITLE_WORDS));
        words[0] = pick(['Run', 'Write', 'Fix', 'Ship', 'Check', 'Ask']);
        title = words.join(' ');
      }
      const bold = chance(0.3);
      const mentions: string[] = [];
      let text = bold ? `**${title}**` : title;
      if (bold && chance(0.5)) text += ' (concrete paths)';
      if (chance(0.15)) {
        text += ' @codex';
        mentions.push('codex');
      }
      if (chance(0.15)) text += ` \`/data audit data/${pick(['x', 'toefl'])}.jsonl --json\``;
      if (kind === 'blocked' && !bold && chance(0.5)) text += ': **HTTP 402 Payment Required** (billing)';
      const owner = chance(0.4) ? pick(OWNERS) : null;
      const sep = owner ? (text === `**${title}**` && chance(0.3) ? ' - ' : pick(SEPARATORS)) : '';
      const id = chance(0.2) ? `m${seed.toString(36)}x${markers++}` : null;
      const gap = chance(0.05) ? '\t' : ' ';
      lines.push(`${indent}${bullet}${gap}${box}${text}${owner ? sep + owner : ''}${id ? ` <!-- q:${id} -->` : ''}${trailing()}`);
      if (!titles.includes(title)) titles.push(title);
      const wantTitle = bold ? title : text;
      const after: string[] = [];
      let lineCount = 1;
      const nest = indent.length === 0 && chance(0.3) ? '\t' : `${indent}  `;
      for (let k = int(0, 3); k > 0; k--) {
        const kindOf = int(0, 6);
        if (kindOf === 0 && titles.length > 1) {
          const dep = pick(titles);
          lines.push(`${nest}- after: ${dep}`);
          after.push(dep);
        } else if (kindOf === 1) {
          lines.push(`${nest}\`\`\`py`, `${nest}## not a heading`, `${nest}- [ ] not a card`, `${nest}@dataclass`, `${nest}\`\`\``);
          lineCount += 4;
        } else if (kindOf === 2) {
          lines.push(`${nest}- ask @petrarch, not ada@example.com`);
          if (!mentions.includes('petrarch')) mentions.push('petrarch');
        } else if (kindOf === 3) {
          lines.push('', `${nest}- after a blank line ${pick(TITLE_WORDS)}`);
          lineCount += 1;
        } else {
          lines.push(`${nest}${pick(['- ', '* ', '', '1. '])}note ${pick(TITLE_WORDS)}${trailing()}`);
        }
        lineCount += 1;
      }
      cards.push({ title: wantTitle, owner, checkbox: checkbox ? (done ? 'done' : 'open') : null, marker: id, mentions, after, lineCount });
    }
    if (chance(0.15)) lines.push('```', '- [ ] fenced, not a card', '```');
    if (chance(0.15)) lines.push('', '### Decisions resolved', '- ✅ decided, not a card', '- âœ… also not a card');
    else if (chance(0.1)) lines.push('', 'A closing paragraph.');
    if (chance(0.7)) lines.push('');
    columns.push({ kind, heading: heading.trim(), cards });
  }
  if (chance(0.3)) otherSection();
  if (obsidian) lines.push('', '%% kanban:settings', '```', '{"kanban-plugin":"basic"}', '```', '%%');

  const mixedEol = chance(0.05);
  const other = eol === '\n' ? '\r\n' : '\n';
  let text = chance(0.15) ? '\uFEFF' : '';
  lines.forEach((line, i) => {
    const last = i === lines.length - 1;
    text += line + (last && chance(0.2) ? '' : mixedEol && chance(0.2) ? other : eol);
  });
  return { seed, text, eol, mixedEol, obsidian, synced, columns, others };
}

/** Splits text into lines, each with its line break. */
export function splitKeep(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** A line diff (longest common subsequence): the lines only in `a` and the lines only in `b`. */
export function lineDiff(a: string, b: string): { removed: string[]; added: string[] } {
  const x = splitKeep(a);
  const y = splitKeep(b);
  let lo = 0;
  while (lo < x.length && lo < y.length && x[lo] === y[lo]) lo++;
  let hx = x.length;
  let hy = y.length;
  while (hx > lo && hy > lo && x[hx - 1] === y[hy - 1]) hx--, hy--;
  const xs = x.slice(lo, hx);
  const ys = y.slice(lo, hy);
  const w = ys.length + 1;
  const dp = new Uint16Array((xs.length + 1) * w);
  for (let i = xs.length - 1; i >= 0; i--) {
    for (let j = ys.length - 1; j >= 0; j--) {
      dp[i * w + j] = xs[i] === ys[j] ? dp[(i + 1) * w + j + 1]! + 1 : Math.max(dp[(i + 1) * w + j]!, dp[i * w + j + 1]!);
    }
  }
  const removed: string[] = [];
  const added: string[] = [];
  let i = 0;
  let j = 0;
  while (i < xs.length || j < ys.length) {
    if (i < xs.length && j < ys.length && xs[i] === ys[j]) i++, j++;
    else if (j < ys.length && (i === xs.length || dp[i * w + j + 1]! >= dp[(i + 1) * w + j]!)) added.push(ys[j++]!);
    else removed.push(xs[i++]!);
  }
  return { removed, added };
}

/** The text without a span's lines; a span that ends the file without a break takes the break before it. */
export function cut(text: string, span: Span): string {
  let start = span.start;
  if (span.end === text.length && !text.endsWith('\n') && start > 0) start -= text[start - 2] === '\r' ? 2 : 1;
  return text.slice(0, start) + text.slice(span.end);
}
