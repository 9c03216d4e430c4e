import { readBody, readUnfencedBody } from './fields.ts';
import type { BodyFields } from './fields.ts';

/**
 * Where the bold span that opens a head line `text[head, end)` closes (the offset of its
 * closing `**`), when the line has no HTML comment; -1 for any other line. The title is then
 * the bold text, trimmed, and does not depend on the owner (a name and its separator hold no
 * `*`, so the bold span closes before them): the owner can be read later, when asked for.
 * Equal to `readHead`'s title on those lines: a test checks it on generated boards.
 */
export function boldTitleEnd(text: string, head: number, end: number): number {
  if (text.charCodeAt(head) !== 42 || text.charCodeAt(head + 1) !== 42) return -1;
  // What `leadingBold` reads: the first `**` from the third character on, no line break before it.
  for (let i = head + 2; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 42 && i >= head + 3 && i + 1 < end && text.charCodeAt(i + 1) === 42) return i;
    if (c === 13 || c === 0x2028 || c === 0x2029) return -1;
  }
  return -1;
}

/** The fields read from a card's whole text: mentions, command, dependencies, links, a blocked note. */
export function readCardBody(cardText: string): BodyFields {
  if (!mayHoldBodyFields(cardText)) return NO_BODY_FIELDS;
  if (cardText.includes('```') || cardText.includes('~~~')) return readBody(splitCard(cardText), cardText);
  const nl = cardText.indexOf('\n');
  return readUnfencedBody(cardText, nl !== -1 && nl !== cardText.length - 1);
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
