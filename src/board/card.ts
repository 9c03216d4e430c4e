import { readCardBody } from './card-fields.ts';
import type { ColumnKind } from './columns.ts';
import { inlineReason, readHead } from './fields.ts';
import type { BodyFields } from './fields.ts';
import type { Utf8Offsets } from './lines.ts';
import type { ByteSpan, Card, SlashCommand, Span } from './types.ts';

/**
 * A card as the parser makes it. What every parse needs (identity, place, title) is read at
 * once; owner, mentions, command, dependencies, links, blocked reason and byte offsets are
 * read from the card's own text on first use and kept. Most of a board's cards are never
 * asked for them between two changes of the file, and reading them was most of a cold parse.
 * They read like plain properties; `toJSON` gives every field. Never mutated once shared
 * (`id` is set by the parser before it shares the card).
 */
export class ParsedCard implements Card {
  id = '';
  readonly marker: string | null;
  readonly column: ColumnKind;
  readonly index: number;
  readonly title: string;
  readonly checkbox: 'open' | 'done' | null;
  readonly line: number;
  readonly endLine: number;
  readonly span: Span;
  readonly text: string;
  /** Where the first line's item text (after marker and checkbox) starts and its content ends, in `text`. */
  readonly #head: number;
  readonly #headEnd: number;
  /** The byte offsets of the board text `span` points into. */
  readonly #offsets: Utf8Offsets;
  /** Read on first use (undefined until then); shared with the copies of this card. */
  #owner: string | null | undefined;
  #body: BodyFields | undefined;
  #bytes: ByteSpan | undefined;

  /**
   * A card of `column` at `start` in the board text, whose byte offsets are `offsets`. `head`
   * and `headEnd` are offsets into `text`; `owner` is passed when the parser already read it
   * (undefined: read on first use). Positional: the parser makes one a line of the board.
   */
  constructor(
    text: string,
    column: ColumnKind,
    index: number,
    line: number,
    endLine: number,
    start: number,
    marker: string | null,
    title: string,
    checkbox: 'open' | 'done' | null,
    head: number,
    headEnd: number,
    owner: string | null | undefined,
    offsets: Utf8Offsets,
  ) {
    this.marker = marker;
    this.column = column;
    this.index = index;
    this.title = title;
    this.checkbox = checkbox;
    this.line = line;
    this.endLine = endLine;
    this.span = { start, end: start + text.length };
    this.text = text;
    this.#head = head;
    this.#headEnd = headEnd;
    this.#offsets = offsets;
    this.#owner = owner;
  }

  get owner(): string | null {
    if (this.#owner === undefined) this.#owner = readHead(this.#headText()).owner?.name ?? null;
    return this.#owner;
  }

  /** `@name` mentions: the agents or peers this card asks for. */
  get mentions(): readonly string[] {
    return this.#readBody().mentions;
  }

  get command(): SlashCommand | null {
    return this.#readBody().command;
  }

  /** Titles or ids named on nested `after:` lines. */
  get after(): readonly string[] {
    return this.#readBody().after;
  }

  /** Titles in Obsidian-style `[[…]]` links. */
  get links(): readonly string[] {
    return this.#readBody().links;
  }

  /** From a nested `Blocked: …` line, else a bold span after the title on a Blocked card. */
  get blockedReason(): string | null {
    return this.#readBody().blockedNote ?? (this.column === 'blocked' ? inlineReason(this.#headText()) : null);
  }

  get bytes(): ByteSpan {
    if (this.#bytes === undefined) {
      const start = this.#offsets.at(this.span.start);
      this.#bytes = { start, end: start + Buffer.byteLength(this.text) };
    }
    return this.#bytes;
  }

  /** This card with another id (a repeated title appeared or went). */
  withId(id: string): ParsedCard {
    return this.#copy(id, this.index, 0, 0, this.#offsets);
  }

  /** This card moved `delta` characters and `lines` lines in a new text (whose byte offsets are `offsets`), as card `index` of its column. */
  moved(id: string, index: number, delta: number, lines: number, offsets: Utf8Offsets): ParsedCard {
    return this.#copy(id, index, delta, lines, offsets);
  }

  /** Every field, as a plain object (what `JSON.stringify` writes). */
  toJSON(): Card {
    return {
      id: this.id,
      marker: this.marker,
      column: this.column,
      index: this.index,
      title: this.title,
      owner: this.owner,
      mentions: this.mentions,
      command: this.command,
      after: this.after,
      links: this.links,
      checkbox: this.checkbox,
      blockedReason: this.blockedReason,
      line: this.line,
      endLine: this.endLine,
      span: this.span,
      bytes: this.bytes,
      text: this.text,
    };
  }

  #copy(id: string, index: number, delta: number, lines: number, offsets: Utf8Offsets): ParsedCard {
    const { column, line, endLine, span, marker, title, checkbox } = this;
    const copy = new ParsedCard(this.text, column, index, line + lines, endLine + lines, span.start + delta, marker, title, checkbox, this.#head, this.#headEnd, this.#owner, offsets);
    copy.id = id;
    copy.#body = this.#body;
    if (delta === 0 && offsets === this.#offsets) copy.#bytes = this.#bytes;
    return copy;
  }

  #headText(): string {
    return this.text.slice(this.#head, this.#headEnd);
  }

  #readBody(): BodyFields {
    return (this.#body ??= readCardBody(this.text));
  }
}
