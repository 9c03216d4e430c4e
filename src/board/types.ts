import type { ColumnKind } from './columns.ts';

/** A half-open range `[start, end)` of UTF-16 offsets into `Board.text`. */
export interface Span {
  start: number;
  end: number;
}

/** A half-open range of byte offsets into the file as UTF-8. */
export interface ByteSpan {
  start: number;
  end: number;
}

/** A slash command written in a code span, e.g. `` `/data audit data/x.jsonl` ``. */
export interface SlashCommand {
  /** The code span's text, as written. */
  raw: string;
  /** The words after the slash, shell-quoted words unquoted: the CLI's argv after `quimbot`. */
  argv: readonly string[];
  /** Set when the words cannot be split (an unclosed quote); `argv` is then empty. */
  error: string | null;
}

/** A top-level list item of a column, with its nested lines. */
export interface Card {
  /** Stable identity: the `<!-- q:ID -->` marker when present, else derived from the title. */
  id: string;
  /** The id in the card's `<!-- q:ID -->` marker, if it has one; differs from `id` only when repeated. */
  marker: string | null;
  column: ColumnKind;
  /** 0-based position among the column's cards. */
  index: number;
  /** The leading bold part of the first line, else the first line without owner and marker. */
  title: string;
  owner: string | null;
  /** `@name` mentions: the agents or peers this card asks for. */
  mentions: readonly string[];
  command: SlashCommand | null;
  /** Titles or ids named on nested `after:` lines. */
  after: readonly string[];
  /** Titles in Obsidian-style `[[…]]` links. */
  links: readonly string[];
  checkbox: 'open' | 'done' | null;
  /** From a nested `Blocked: …` line, else a bold span after the title on a Blocked card. */
  blockedReason: string | null;
  /** 1-based line numbers of the first and last line. */
  line: number;
  endLine: number;
  span: Span;
  bytes: ByteSpan;
  /** The card's lines exactly as in the file. */
  text: string;
}

/** A recognised `##` column section. */
export interface Column {
  kind: ColumnKind;
  /** The heading text after `##`, as written (emoji, mojibake and all). */
  heading: string;
  line: number;
  /** From the heading line to the line before the next `#`/`##` heading. */
  span: Span;
  /** End of the heading line, including its line break. */
  bodyStart: number;
  cards: Card[];
}

/** A `##` (or `#`) section Quimbot does not manage: kept byte for byte. */
export interface OtherSection {
  heading: string;
  level: number;
  line: number;
  span: Span;
}

/** A contiguous piece of the file; the regions of a board partition its text exactly. */
export interface Region {
  kind: 'front-matter' | 'heading' | 'card' | 'verbatim';
  span: Span;
}

/** A parsed board. Nothing is normalised: `text` is the file, every span points into it. */
export interface Board {
  text: string;
  /** The dominant line ending, used for lines Quimbot adds. */
  eol: '\n' | '\r\n';
  /** Obsidian Kanban plugin board (front matter `kanban-plugin: …`). */
  obsidian: boolean;
  columns: Column[];
  cards: Card[];
  others: OtherSection[];
  regions: Region[];
  /** The `_Last synced: … _` line, if any. */
  lastSynced: { line: number; span: Span; value: string } | null;
}
