import { recognizeColumn } from './columns.ts';
import { detached, firstNonBlankIn, indentWidthAt } from './lines.ts';
import { closesFence, listItemTextAt, matchFence } from './list-item.ts';
import { CardDrafts } from './drafts.ts';
import type { Board, Column, OtherSection } from './types.ts';

const HEADING = /^ {0,3}(#{1,6})(?=[ \t]|$)(.*)$/;
const LAST_SYNCED = /^_Last synced:\s*(.*?)\s*_\s*$/;
const SETTINGS = /^%%\s*kanban:settings/;

/** What the scan carries from one line to the next: enough to start a scan at any card's first line. */
export interface ScanState {
  column: Column | null;
  inSubsection: boolean;
  /** The indent of the open card's marker (the last card found), -1 when no card is open. */
  cardIndent: number;
  fence: { fence: string; inCard: boolean } | null;
  inComment: boolean;
  lastSynced: Board['lastSynced'];
}

/** What a scan found, from offset `start` (line `lineBase`, 0-based) to `end`. */
export interface Scan {
  start: number;
  lineBase: number;
  /** Lines scanned. */
  lineCount: number;
  drafts: CardDrafts;
  /** Sections whose heading the scan read, in order. */
  columns: Column[];
  others: OtherSection[];
  state: ScanState;
  /** Where the scan stopped: the start of the line `resync` accepted, else the end of the text. */
  end: number;
  /** Line breaks seen, CRLF and LF, for the board's dominant line ending. */
  crlf: number;
  lf: number;
  /** What the scan read: `[base, base + text.length)` of the board's text (cards are read from it). */
  text: string;
  base: number;
}

/**
 * The part of a board's text a scan reads, `[base, base + text.length)` of a text `total` long,
 * ending at a line's end; `grow` gives a longer one from the same base, when there is more.
 */
export interface ScanWindow {
  text: string;
  base: number;
  total: number;
  grow: (() => string) | null;
}

/** A whole text as a window. */
export function wholeText(text: string): ScanWindow {
  return { text, base: 0, total: text.length, grow: null };
}

/** Lets an incremental parse stop the scan at a line from where the old parse's result holds again. */
export interface Resync {
  /** Lines starting before this offset are always scanned. */
  from: number;
  /** True to stop before the line at `start`, indented `indent` (state as before that line). */
  at(scan: Scan, start: number, indent: number): boolean;
}

/** A state for the top of a board (or right after its front matter). */
export function initialState(): ScanState {
  return { column: null, inSubsection: false, cardIndent: -1, fence: null, inComment: false, lastSynced: null };
}

/**
 * Scans lines from offset `from` (the start of line `lineBase`) to the end of the text, or until
 * `resync` accepts a line; `state` is updated. Offsets are the board text's; the window is read,
 * and grown when the scan reaches its end. Lines are dispatched on their first non-blank
 * character, and sliced only when a pattern must read them: the board has a line a card or
 * more, so this loop is the parse. No per-line table is kept: cards and headings carry their
 * offsets, and everything between them is verbatim.
 */
export function scanLines(window: ScanWindow, from: number, lineBase: number, state: ScanState, resync: Resync | null): Scan {
  const { base, total } = window;
  let text = window.text;
  const scan: Scan = { start: from, lineBase, lineCount: 0, drafts: new CardDrafts(), columns: [], others: [], state, end: total, crlf: 0, lf: 0, text, base };
  let { column, inSubsection, cardIndent, fence, inComment, lastSynced } = state;
  const drafts = scan.drafts;
  let crlf = 0;
  let lf = 0;
  // A byte order mark is part of the first line's bytes but not of its Markdown.
  const bom = base === 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = lineBase - 1;
  // Offsets in the loop are the window's: `base` is added to those kept.
  let end = from - base;
  for (let lineStart = end; base + lineStart < total; lineStart = end) {
    let nl = text.indexOf('\n', lineStart);
    while (nl === -1 && base + text.length < total) {
      text = window.grow!();
      nl = text.indexOf('\n', lineStart);
    }
    end = nl === -1 ? text.length : nl + 1;
    const contentEnd = nl === -1 ? end : nl > lineStart && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    if (resync !== null && base + lineStart >= resync.from) {
      Object.assign(state, { column, inSubsection, cardIndent, fence, inComment, lastSynced });
      scan.lineCount = line + 1 - lineBase;
      if (resync.at(scan, base + lineStart, indentWidthAt(text, lineStart, contentEnd))) {
        scan.end = base + lineStart;
        break;
      }
    }
    if (nl !== -1) {
      if (contentEnd < nl) crlf++;
      else lf++;
    }
    line++;
    const start = lineStart === 0 ? bom : lineStart;
    const first = firstNonBlankIn(text, start, contentEnd);
    const blank = first === -1;
    if (fence) {
      const inCard = fence.inCard && cardIndent !== -1;
      // Inside a card a fence lasts only as long as the card: a line indented no deeper than
      // the card's marker ends both (CommonMark), so an unclosed fence cannot eat the board.
      if (inCard && !blank && indentWidthAt(text, start, contentEnd) <= cardIndent) {
        fence = null;
      } else {
        if (inCard && !blank) drafts.extend(line, base + end);
        if (closesFence(text.slice(start, contentEnd), fence.fence)) fence = null;
        continue;
      }
    }
    if (inComment) {
      if (text.slice(start, contentEnd).trimEnd().endsWith('%%')) inComment = false;
      continue;
    }
    if (blank) continue;
    // Every construct below starts with a known character: dispatch on it rather than trying
    // each pattern on every line.
    const lead = text.charCodeAt(first);
    const fenceLead = lead === 96 || lead === 126;
    if (cardIndent !== -1) {
      // A non-blank line indented under a card is part of it, with the blank lines before it.
      if (indentWidthAt(text, start, contentEnd) > cardIndent) {
        drafts.extend(line, base + end);
        const open = fenceLead ? matchFence(text.slice(start, contentEnd)) : null;
        if (open) fence = { fence: open.fence, inCard: true };
        continue;
      }
      cardIndent = -1;
    }

    if (lead === 37 && text.charCodeAt(first + 1) === 37) {
      const line = text.slice(start, contentEnd);
      // Obsidian Kanban keeps its settings in a comment after the last lane: it is not part
      // of that lane, so a column created after it goes before the settings, not below them.
      if (SETTINGS.test(line)) {
        closeSection(column, scan.others, base + start);
        column = null;
        inSubsection = false;
      }
      inComment = !(line.trim().length > 2 && line.trimEnd().endsWith('%%'));
      continue;
    }
    const open = fenceLead ? matchFence(text.slice(start, contentEnd)) : null;
    if (open) {
      fence = { fence: open.fence, inCard: false };
      continue;
    }
    const heading = lead === 35 ? HEADING.exec(text.slice(start, contentEnd)) : null;
    if (heading) {
      const level = (heading[1] ?? '').length;
      // Kept by the board's later versions: a copy, so that this text is not kept with it.
      const title = detached((heading[2] ?? '').trim());
      if (level <= 2) {
        closeSection(column, scan.others, base + start);
        const kind = level === 2 ? recognizeColumn(title) : null;
        column = kind ? { kind, heading: title, line: line + 1, span: { start: base + start, end: -1 }, bodyStart: base + end, cards: [] } : null;
        inSubsection = false;
        if (column) {
          scan.columns.push(column);
        } else {
          scan.others.push({ heading: title, level, line: line + 1, span: { start: base + start, end: -1 } });
        }
      } else if (column) {
        inSubsection = true;
      }
      continue;
    }
    const synced = lead === 95 ? LAST_SYNCED.exec(text.slice(start, contentEnd)) : null;
    if (synced && !lastSynced) {
      lastSynced = { line: line + 1, span: { start: base + start, end: base + contentEnd }, value: detached(synced[1] ?? '') };
      continue;
    }
    if (column && !inSubsection && isListLead(lead)) {
      const item = listItemTextAt(text, start, contentEnd);
      const indent = item === -1 ? 0 : indentWidthAt(text, start, contentEnd);
      if (item !== -1 && indent <= 3) {
        cardIndent = indent;
        const box = item & 3;
        drafts.add(column, base + lineStart, base + end, line, base + start + (item >> 2), base + contentEnd, box === 0 ? null : box === 2);
      }
    }
  }
  Object.assign(state, { column, inSubsection, cardIndent, fence, inComment, lastSynced });
  if (scan.end === total) scan.lineCount = line + 1 - lineBase;
  scan.crlf = crlf;
  scan.lf = lf;
  scan.text = text;
  return scan;
}

/** Ends the open section (a column, or the last other section if still open) at `end`. */
export function closeSection(column: Column | null, others: readonly OtherSection[], end: number): void {
  if (column) column.span.end = end;
  const other = others.at(-1);
  if (other && other.span.end === -1) other.span.end = end;
}

/** `-`, `*`, `+` or a digit: the characters a list item can start with. */
function isListLead(c: number): boolean {
  return c === 45 || c === 42 || c === 43 || (c >= 48 && c <= 57);
}

/**
 * The YAML front matter, when the file opens with `---` and closes it: the offset after it and
 * its line count and line breaks; all 0 when there is none.
 */
export function readFrontMatter(text: string): { end: number; lines: number; crlf: number; lf: number } {
  let crlf = 0;
  let lf = 0;
  let lines = 0;
  for (let start = 0; start < text.length; ) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl + 1;
    const contentEnd = nl === -1 ? end : nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    const content = text.slice(start, contentEnd);
    if (lines === 0 && content.replace(/^\uFEFF/, '') !== '---') break;
    if (nl !== -1) {
      if (contentEnd < nl) crlf++;
      else lf++;
    }
    lines++;
    if (lines > 1 && (content === '---' || content === '...')) return { end, lines, crlf, lf };
    start = end;
  }
  return { end: 0, lines: 0, crlf: 0, lf: 0 };
}
