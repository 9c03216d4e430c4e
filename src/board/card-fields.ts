import { readBody, readHead, readUnfencedBody } from './fields.ts';
import type { BodyFields } from './fields.ts';
import { matchListItem } from './list-item.ts';
import type { ListItem } from './list-item.ts';
import type { Card, SlashCommand } from './types.ts';

/** Everything a card's own lines say, whatever surrounds them on the board. */
export interface CardFields {
  marker: string | null;
  title: string;
  owner: string | null;
  checkbox: 'open' | 'done' | null;
  mentions: readonly string[];
  command: SlashCommand | null;
  after: readonly string[];
  links: readonly string[];
  /** From a nested `Blocked: …` line. */
  blockedNote: string | null;
  /** The first line's text after the list marker (a Blocked card's bold reason is read from it). */
  headText: string;
}

const LIMIT = 20_000;
const seen = new Map<string, Card>();

/**
 * The card last read from this text (first line to last, line breaks included), if any: the
 * daemon parses the board on every change, and all but the edited cards are the same text as
 * before. Its fields but the blocked reason depend on the text alone. Memory stays bounded:
 * the cache is cleared when full. Cards are never mutated once parsed.
 */
export function seenCard(cardText: string): Card | undefined {
  return seen.get(cardText);
}

/** Remembers a card just read, for `seenCard`. */
export function rememberCard(card: Card): void {
  if (seen.size >= LIMIT) seen.clear();
  seen.set(card.text, card);
}

/** `item` is the first line's list item when the caller has read it already (the scan has). */
export function readCardFields(cardText: string, known?: ListItem): CardFields {
  const nl = cardText.indexOf('\n');
  const multiline = nl !== -1 && nl !== cardText.length - 1;
  const first = cardText.slice(0, nl === -1 ? cardText.length : nl > 0 && cardText.charCodeAt(nl - 1) === 13 ? nl - 1 : nl);
  const item = known ?? matchListItem(first);
  if (!item) throw new Error(`not a list item: ${JSON.stringify(first)}`);
  const headText = first.slice(item.textStart);
  const head = readHead(headText);
  const body = !mayHoldBodyFields(cardText)
    ? NO_BODY_FIELDS
    : cardText.includes('```') || cardText.includes('~~~')
      ? readBody(splitCard(cardText), cardText)
      : readUnfencedBody(cardText, multiline);
  return {
    marker: head.marker,
    title: head.title,
    owner: head.owner?.name ?? null,
    checkbox: item.checked === null ? null : item.checked ? 'done' : 'open',
    mentions: body.mentions,
    command: body.command,
    after: body.after,
    links: body.links,
    blockedNote: body.blockedNote,
    headText,
  };
}

/** The body fields of a card with none (shared: fields are never mutated). */
const NO_BODY_FIELDS: BodyFields = Object.freeze({ mentions: [], command: null, after: [], links: [], blockedNote: null, blockedLine: null });

/**
 * False when a card's text cannot hold a body field: a command needs a backtick, a mention an
 * `@`, a link `[[`, and a dependency or blocked note a colon on a nested line.
 */
function mayHoldBodyFields(cardText: string): boolean {
  if (cardText.includes('`') || cardText.includes('@') || cardText.includes('[[')) return true;
  const nl = cardText.indexOf('\n');
  return nl !== -1 && cardText.indexOf(':', nl) !== -1;
}

/** A card's lines without their line endings (one trailing CR removed from each). */
function splitCard(cardText: string): string[] {
  const nl = cardText.indexOf('\n');
  if (nl === -1 || nl === cardText.length - 1) return [cardText.slice(0, nl === -1 ? cardText.length : nl > 0 && cardText.charCodeAt(nl - 1) === 13 ? nl - 1 : nl)];
  const lines = cardText.split('\n');
  if (cardText.endsWith('\n')) lines.pop();
  for (let i = 0; i < lines.length; i++) if (lines[i]!.endsWith('\r')) lines[i] = lines[i]!.slice(0, -1);
  return lines;
}
