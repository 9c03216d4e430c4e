import { boldTitleEnd, readCardBody } from './card-fields.ts';
import type { ColumnKind } from './columns.ts';
import { inlineReason, readHead } from './fields.ts';
import type { BodyFields } from './fields.ts';
import { detached } from './lines.ts';
import type { Utf8Offsets } from './utf8-offsets.ts';
import type { ByteSpan, Card, SlashCommand, Span } from './types.ts';

/** What a card's own text says, read on first use: the same for every copy of the card. */
interface Readings {
  title?: string;
  owner?: string | null;
  body?: BodyFields;
}

/**
 * A card as the parser makes it. Only what identity and place need is read at once; the
 * rest (owner, mentions, command, dependencies, links, blocked reason, and even the title of
 * a bold card, its text, span and byte offsets) is read from the board text when asked for.
 * Most of a board's cards are never asked between two changes of the file, and a small card
 * is cheap for the garbage collector, which copies every card a parse keeps (and an
 * incremental parse makes a copy of every card after the change). Fields read like plain
 * properties; `toJSON` gives them all. Never mutated once shared (`id` is set by the parser
 * before it shares the card; `rebase` changes nothing a reader can see).
 */
export class ParsedCard implements Card {
  id = '';
  readonly marker: string | null;
  readonly column: ColumnKind;
  readonly index: number;
  readonly checkbox: 'open' | 'done' | null;
  readonly line: number;
  readonly endLine: number;
  /** `span.start` and `span.end`, without making the object. */
  readonly start: number;
  readonly end: number;
  /** The board text the offsets point into, with its byte offsets. */
  #source: Utf8Offsets;
  /** Where the first line's item text (after marker and checkbox) starts and its content ends, from `start`. */
  readonly #head: number;
  readonly #headEnd: number;
  /** Made on first use, shared with the copies of this card; its strings are copies, not views into a board text. */
  #readings: Readings | undefined;

  /**
   * The card `[start, end)` of `source.rope`, the `index`-th of its column. `head` and
   * `headEnd` are offsets from `start`. `readings` holds what the parser read already (a title
   * left out must be a bold span's, read on first use). Positional: the parser makes one for
   * every card of a board.
   */
  constructor(
    source: Utf8Offsets,
    column: ColumnKind,
    index: number,
    line: number,
    endLine: number,
    start: number,
    end: number,
    marker: string | null,
    checkbox: 'open' | 'done' | null,
    head: number,
    headEnd: number,
    readings: Readings | undefined,
  ) {
    this.marker = marker;
    this.column = column;
    this.index = index;
    this.checkbox = checkbox;
    this.line = line;
    this.endLine = endLine;
    this.start = start;
    this.end = end;
    this.#source = source;
    this.#head = head;
    this.#headEnd = headEnd;
    this.#readings = readings;
  }

  /** The leading bold part of the first line, else the first line without owner and marker. */
  get title(): string {
    const readings = (this.#readings ??= {});
    if (readings.title === undefined) {
      const head = this.#headText();
      readings.title = detached(head.slice(2, boldTitleClose(head, 0, head.length)).trim());
    }
    return readings.title;
  }

  /** The card's lines exactly as in the file (a view into the board text, made on each call). */
  get text(): string {
    return this.#source.rope.slice(this.start, this.end);
  }

  get span(): Span {
    return { start: this.start, end: this.end };
  }

  get owner(): string | null {
    const readings = (this.#readings ??= {});
    if (readings.owner === undefined) {
      const name = readHead(this.#headText()).owner?.name;
      readings.owner = name === undefined ? null : detached(name);
    }
    return readings.owner;
  }

  /** `@name` mentions: the agents or peers this card asks for. */
  get mentions(): readonly string[] {
    return this.#body().mentions;
  }

  get command(): SlashCommand | null {
    return this.#body().command;
  }

  /** Titles or ids named on nested `after:` lines. */
  get after(): readonly string[] {
    return this.#body().after;
  }

  /** Titles in Obsidian-style `[[…]]` links. */
  get links(): readonly string[] {
    return this.#body().links;
  }

  /** From a nested `Blocked: …` line, else a bold span after the title on a Blocked card. */
  get blockedReason(): string | null {
    if (this.column !== 'blocked') return this.#body().blockedNote;
    const reason = this.#body().blockedNote ?? inlineReason(this.#headText());
    return reason === null ? null : detached(reason);
  }

  /** Counted on each call (cards asked in order are counted once in all). */
  get bytes(): ByteSpan {
    return { start: this.#source.at(this.start), end: this.#source.at(this.end) };
  }

  /**
   * Points this card at `source`, a newer text that holds the same characters up to past its
   * end (an incremental parse keeps the cards before a change). Nothing a reader can see
   * changes; the older text is no longer kept alive by this card: else every version of a
   * board would stay in memory through the cards last read from it.
   */
  rebase(source: Utf8Offsets): void {
    this.#source = source;
  }

  /** This card with another id (a repeated title appeared or went). */
  withId(id: string): ParsedCard {
    return this.#copy(id, this.index, 0, 0, this.#source);
  }

  /** This card moved `delta` characters and `lines` lines, into `source` (the new text), as card `index` of its column. */
  moved(id: string, index: number, delta: number, lines: number, source: Utf8Offsets): ParsedCard {
    return this.#copy(id, index, delta, lines, source);
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

  #copy(id: string, index: number, delta: number, lines: number, source: Utf8Offsets): ParsedCard {
    const { column, line, endLine, start, end, marker, checkbox } = this;
    // Readings made already are shared (most cards have none: an object each would cost more than reading again).
    const copy = new ParsedCard(source, column, index, line + lines, endLine + lines, start + delta, end + delta, marker, checkbox, this.#head, this.#headEnd, this.#readings);
    copy.id = id;
    return copy;
  }

  #headText(): string {
    return this.#source.rope.slice(this.start + this.#head, this.start + this.#headEnd);
  }

  #body(): BodyFields {
    const readings = (this.#readings ??= {});
    return (readings.body ??= detachedBody(readCardBody(this.text)));
  }
}

/** Body fields whose strings are copies, not views into the card's text (see `detached`); most cards have none. */
function detachedBody(body: BodyFields): BodyFields {
  const { mentions, command, after, links, blockedNote, blockedLine } = body;
  if (mentions.length + after.length + links.length === 0 && command === null && blockedNote === null) return body;
  return {
    mentions: mentions.map(detached),
    command: command && { raw: detached(command.raw), argv: command.argv.map(detached), error: command.error === null ? null : detached(command.error) },
    after: after.map(detached),
    links: links.map(detached),
    blockedNote: blockedNote === null ? null : detached(blockedNote),
    blockedLine,
  };
}

/** The closing `**` of a bold title the parser left to read on first use. */
function boldTitleClose(text: string, head: number, end: number): number {
  const close = boldTitleEnd(text, head, end);
  if (close === -1) throw new Error(`not a bold title: ${JSON.stringify(text.slice(head, end))}`);
  return close;
}
