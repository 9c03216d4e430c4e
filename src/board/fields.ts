import { isSlashCommand, parseSlashCommand } from './command.ts';
import { closesFence, matchFence } from './list-item.ts';
import type { SlashCommand } from './types.ts';

/** Where the owner sits on a card's first line, as offsets into that line's text. */
export interface OwnerPlace {
  name: string;
  /** Start of the separator with the whitespace before it (` — `), for removal. */
  sepStart: number;
  nameStart: number;
  nameEnd: number;
}

/** The fields read from the first line of a card (after its list marker). */
export interface HeadFields {
  marker: string | null;
  /** Offset of ` <!-- q:… -->` (with its leading whitespace) or of the trailing whitespace. */
  contentEnd: number;
  owner: OwnerPlace | null;
  title: string;
}

const MARKER = /[ \t]*<!--\s*q:([A-Za-z0-9_-]+)\s*-->/;
const NAME = String.raw`@?\p{L}[\p{L}\p{N}_.'-]*(?: \p{L}[\p{L}\p{N}_.'-]*){0,2}`;
const DASH_OWNER = new RegExp(String.raw`(\s+(?:—|–|--|â€”)\s+)(${NAME})$`, 'u');
const TAIL_OWNER = new RegExp(String.raw`^(\s+(?:—|–|--|â€”)\s+)(${NAME})$`, 'u');
const BOLD_HYPHEN_OWNER = new RegExp(String.raw`^(\*\*.+?\*\*)(\s+-\s+)(${NAME})$`, 'u');

/** The separator written before an owner: the em dash the seed board uses. */
export const OWNER_SEPARATOR = ' — ';

/** Reads marker, owner and title from a card's first-line text. */
export function readHead(text: string): HeadFields {
  const markerMatch = text.includes('<!--') ? MARKER.exec(text) : null;
  const marker = markerMatch?.[1] ?? null;
  const withoutMarker = markerMatch ? text.slice(0, markerMatch.index) : text;
  const trimmed = withoutMarker.trimEnd();
  const contentEnd = trimmed.length;
  let owner: OwnerPlace | null = null;
  const dash = findDashOwner(trimmed);
  // The bold-then-hyphen form needs a `-` after `**x**`: most titles have none, and the regex is slow.
  const hyphen = dash || !trimmed.startsWith('**') || trimmed.indexOf('-', 6) === -1 ? null : BOLD_HYPHEN_OWNER.exec(trimmed);
  if (dash) {
    owner = { name: trimmed.slice(dash.nameStart), sepStart: dash.sepStart, nameStart: dash.nameStart, nameEnd: contentEnd };
  } else if (hyphen) {
    const sepStart = (hyphen[1] ?? '').length;
    const nameStart = sepStart + (hyphen[2] ?? '').length;
    owner = { name: hyphen[3] ?? '', sepStart, nameStart, nameEnd: contentEnd };
  }
  const body = owner ? trimmed.slice(0, owner.sepStart) : trimmed;
  const title = (leadingBold(body.trimStart()) ?? body).trim();
  return { marker, contentEnd, owner, title };
}

/** What `^\*\*(.+?)\*\*` captures: the text between the leading `**` and the next, on one line. */
function leadingBold(text: string): string | null {
  if (text.charCodeAt(0) !== 42 || text.charCodeAt(1) !== 42) return null;
  const close = text.indexOf('**', 3);
  if (close === -1) return null;
  for (let i = 2; i < close; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) return null;
  }
  return text.slice(2, close);
}

/**
 * Where the owner after the last dash separator starts (the separator with the whitespace
 * before it, and the name), tried on the line's tail first: an unanchored Unicode regex over
 * every card's whole first line is the parser's most expensive step. The whole line is tried
 * only when the last separator is `--`, the only one a name can contain.
 */
function findDashOwner(text: string): { sepStart: number; nameStart: number } | null {
  const at = lastSeparator(text);
  if (at === -1) return null;
  let from = at;
  while (from > 0 && /\s/.test(text[from - 1]!)) from--;
  const nameStart = from < at ? asciiTailOwner(text, at) : -1;
  if (nameStart >= 0) return { sepStart: from, nameStart };
  if (nameStart === UNSURE) {
    const tail = TAIL_OWNER.exec(text.slice(from));
    if (tail) return { sepStart: from, nameStart: from + (tail[1] ?? '').length };
  }
  const dash = text.charCodeAt(at) === 45 ? DASH_OWNER.exec(text) : null;
  return dash ? { sepStart: dash.index, nameStart: dash.index + (dash[1] ?? '').length } : null;
}

/** `asciiTailOwner` could not decide: a character outside ASCII, for the Unicode regex to judge. */
const UNSURE = -2;

/**
 * `TAIL_OWNER` after the whitespace before the separator at `at`, for ASCII text: where the
 * name starts, -1 when there is no owner there, `UNSURE` when a character is not ASCII. A name
 * is one to three words of a letter then letters, digits or `_.'-`, single spaces between,
 * an optional `@` first, to the end of the text.
 */
function asciiTailOwner(text: string, at: number): number {
  const c = text.charCodeAt(at);
  let i = at + (c === 45 ? 2 : c === 0xe2 ? 3 : 1);
  const spaces = i;
  for (; i < text.length; i++) {
    const s = text.charCodeAt(i);
    if (s > 0x7f) return UNSURE;
    if (s !== 32 && (s < 9 || s > 13)) break;
  }
  if (i === spaces || i === text.length) return -1;
  const nameStart = i;
  if (text.charCodeAt(i) === 64) i++;
  for (let words = 0; ; words++) {
    const first = text.charCodeAt(i);
    if (first > 0x7f) return UNSURE;
    if (!isAsciiLetter(first)) return -1;
    for (i++; i < text.length; i++) {
      const w = text.charCodeAt(i);
      if (w > 0x7f) return UNSURE;
      if (!(isAsciiLetter(w) || (w >= 48 && w <= 57) || w === 95 || w === 46 || w === 39 || w === 45)) break;
    }
    if (i === text.length) return nameStart;
    if (words === 2 || text.charCodeAt(i) !== 32) return text.charCodeAt(i) > 0x7f ? UNSURE : -1;
    i++;
  }
}

function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Where the last dash separator (—, –, -- or the mojibake â€”) starts, overlaps counted, by one backward scan (`lastIndexOf` is a slow call). */
function lastSeparator(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 0x2014 || c === 0x2013) return i;
    if (c === 45 && text.charCodeAt(i + 1) === 45) return i;
    if (c === 0xe2 && text.charCodeAt(i + 1) === 0x20ac && text.charCodeAt(i + 2) === 0x201d) return i;
  }
  return -1;
}

/** A code span on a line: offsets of the whole span and its content. */
interface CodeSpan {
  start: number;
  end: number;
  code: string;
}

/** Where the backtick run of length `run` that closes a span opened before `from` starts, or -1. */
function closingRun(line: string, from: number, run: number): number {
  let close = line.indexOf('`', from);
  while (close !== -1) {
    let end = close;
    while (line.charCodeAt(end) === 96) end++;
    if (end - close === run) return close;
    close = line.indexOf('`', end);
  }
  return -1;
}

/**
 * The next code span at or after `from`, as CommonMark reads them: a backtick run closed by a
 * run of the same length (a run never closed is text). `after` and `close` bound its code;
 * `end` is past its closing run. Empty spans (`close === after`) are returned too.
 */
function nextSpan(line: string, from: number): { start: number; after: number; close: number; end: number } | null {
  let open = line.indexOf('`', from);
  while (open !== -1) {
    let after = open;
    while (line.charCodeAt(after) === 96) after++;
    const run = after - open;
    const close = closingRun(line, after, run);
    if (close !== -1) return { start: open, after, close, end: close + run };
    open = line.indexOf('`', after);
  }
  return null;
}

/** The line's non-empty code spans. */
function codeSpans(line: string): CodeSpan[] {
  const spans: CodeSpan[] = [];
  for (let span = nextSpan(line, 0); span; span = nextSpan(line, span.end)) {
    if (span.close > span.after) spans.push({ start: span.start, end: span.end, code: line.slice(span.after, span.close) });
  }
  return spans;
}

/**
 * The first code span of a line that holds a slash command, parsed; only a span whose text
 * starts with `/` (after spaces) is sliced and tested.
 */
function firstSlashCommand(line: string): SlashCommand | null {
  for (let span = nextSpan(line, 0); span; span = nextSpan(line, span.end)) {
    const { after, close } = span;
    let first = after;
    while (first < close && (line.charCodeAt(first) === 32 || (line.charCodeAt(first) >= 9 && line.charCodeAt(first) <= 13))) first++;
    const c = line.charCodeAt(first);
    // Any other leading character but `/` (or one `trim` might remove) rules the span out; an empty span too.
    if (first < close && (c === 47 || c > 0x7f)) {
      const code = line.slice(after, close);
      if (isSlashCommand(code)) return parseSlashCommand(code);
    }
  }
  return null;
}

/** The line with its code spans blanked out: what is prose, not code. */
function withoutSpans(line: string, spans: readonly CodeSpan[]): string {
  let out = '';
  let at = 0;
  for (const span of spans) {
    out += `${line.slice(at, span.start)} `;
    at = span.end;
  }
  return out + line.slice(at);
}
const HTML_COMMENT = /<!--[\s\S]*?-->/g;
const MENTION = /(?<![\w.@/\\])@([A-Za-z][\w-]*(?:\.[\w-]+)*)/g;
const LINK = /\[\[([^\]|#]+)(?:[#|][^\]]*)?\]\]/g;
const AFTER_LINE = /^\s*(?:(?:[-*+]|\d+[.)])\s+)?(?:\[[ xX]\]\s+)?after:\s*(.+?)\s*$/i;
const BLOCKED_LINE = /^(\s*(?:(?:[-*+]|\d+[.)])\s+)?)blocked:\s*(.+?)\s*$/i;

/** The indent and bullet before `Blocked:` on a nested blocked line, or null for other lines. */
export function blockedLead(line: string): string | null {
  return BLOCKED_LINE.exec(line)?.[1] ?? null;
}

/** The fields read from a card's whole text. */
export interface BodyFields {
  mentions: readonly string[];
  command: SlashCommand | null;
  after: readonly string[];
  links: readonly string[];
  /** From a nested `Blocked: …` line. */
  blockedNote: string | null;
  /** 0-based index among the card's lines of the line `blockedNote` comes from. */
  blockedLine: number | null;
}

/**
 * Reads mentions, command, dependencies and a blocked note from a card's lines. With the card's
 * whole text, lines are searched only for the characters the card holds at all.
 */
export function readBody(lines: readonly string[], text?: string): BodyFields {
  const ticks = text === undefined || text.includes('`');
  const fences = ticks || text.includes('~~~');
  const ats = text === undefined || text.includes('@');
  const wikiLinks = text === undefined || text.includes('[[');
  const colons = text === undefined || text.includes(':');
  const body = newBody();
  // Lines of a fenced code block in a card are code, not requests: `@dataclass` is no mention.
  let fence: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (fence !== null) {
      if (closesFence(line, fence)) fence = null;
      continue;
    }
    const open = i === 0 || !fences || !(line.includes('```') || line.includes('~~~')) ? null : matchFence(line);
    if (open) {
      fence = open.fence;
      continue;
    }
    // Cheap character checks first: most lines have no code span, mention, link or field.
    const backtick = ticks && line.includes('`');
    const prose = (ats && line.includes('@')) || (wikiLinks && line.includes('[['));
    readLine(body, line, i, backtick, prose, i > 0 && colons && line.includes(':'));
  }
  return doneBody(body);
}

/**
 * `readBody` of a card's text (lines split as `splitCard` does, `multiline` when it has more
 * than one) for a card without a fence (no ``` or ~~~ anywhere). The text is walked by offsets,
 * with the next backtick, `@`, `[[` and colon looked up once each and kept until passed: only
 * the lines that hold one are sliced and read, and no line array is made.
 */
export function readUnfencedBody(text: string, multiline: boolean): BodyFields {
  const body = newBody();
  let tick = text.indexOf('`');
  let at = text.indexOf('@');
  let link = text.indexOf('[[');
  let colon = text.indexOf(':');
  for (let start = 0, i = 0; start < text.length; i++) {
    const nl = text.indexOf('\n', start);
    const next = nl === -1 ? text.length : nl + 1;
    let end = nl === -1 ? text.length : nl;
    if (end > start && text.charCodeAt(end - 1) === 13 && (nl !== -1 || multiline)) end--;
    if (tick !== -1 && tick < start) tick = text.indexOf('`', start);
    if (at !== -1 && at < start) at = text.indexOf('@', start);
    if (link !== -1 && link < start) link = text.indexOf('[[', start);
    if (colon !== -1 && colon < start) colon = text.indexOf(':', start);
    const backtick = tick !== -1 && tick < end;
    const prose = (at !== -1 && at < end) || (link !== -1 && link + 1 < end);
    const field = i > 0 && colon !== -1 && colon < end;
    if (backtick || prose || field) readLine(body, text.slice(start, end), i, backtick, prose, field);
    start = next;
  }
  return doneBody(body);
}

/** Body fields as they are found; arrays made only when something is found (most cards have none). */
interface BodyDraft {
  mentions: string[] | null;
  links: string[] | null;
  after: string[] | null;
  command: SlashCommand | null;
  blockedNote: string | null;
  blockedLine: number | null;
}

function newBody(): BodyDraft {
  return { mentions: null, links: null, after: null, command: null, blockedNote: null, blockedLine: null };
}

function doneBody(body: BodyDraft): BodyFields {
  const { mentions, links, after, command, blockedNote, blockedLine } = body;
  return { mentions: mentions ?? [], command, after: after ?? [], links: links ?? [], blockedNote, blockedLine };
}

/**
 * Reads one line (the `i`-th of its card, outside any fence) into `body`. The flags say what
 * the line may hold: a backtick, an `@` or `[[`, a colon on a nested line.
 */
function readLine(body: BodyDraft, line: string, i: number, backtick: boolean, prose: boolean, field: boolean): void {
  if (backtick && !body.command && line.includes('/')) body.command = firstSlashCommand(line);
  if (prose) {
    let text = backtick ? withoutSpans(line, codeSpans(line)) : line;
    if (text.includes('<!--')) text = text.replace(HTML_COMMENT, ' ');
    if (text.includes('@')) {
      for (const [, name = ''] of text.matchAll(MENTION)) if (!(body.mentions ??= []).includes(name)) body.mentions.push(name);
    }
    if (text.includes('[[')) {
      for (const [, title = ''] of text.matchAll(LINK)) if (!(body.links ??= []).includes(title.trim())) body.links.push(title.trim());
    }
  }
  if (!field) return;
  const dep = AFTER_LINE.exec(line);
  if (dep) (body.after ??= []).push(...splitList(dep[1] ?? ''));
  const blocked = BLOCKED_LINE.exec(line);
  if (blocked && body.blockedNote === null) {
    body.blockedNote = blocked[2] ?? null;
    body.blockedLine = i;
  }
}

function splitList(value: string): string[] {
  return value
    .split(/\s*,\s*/)
    // `[[Title]]`, `"Title"` or `` `id` ``: unwrap a matching pair only, so `Run `x.jsonl`` stays whole.
    .map((item) => item.replace(/^\[\[(.*)\]\]$/, '$1').replace(/^([`"'])(.*)\1$/, '$2').trim())
    .filter(Boolean);
}

/** The first bold span that is not the title: how the seed board writes a blocked reason. */
export function inlineReason(firstLineText: string): string | null {
  const text = firstLineText.trimStart();
  const spans = [...text.matchAll(/\*\*(.+?)\*\*/g)];
  const reason = spans.find((m) => m.index !== 0);
  return reason?.[1]?.trim() ?? null;
}
