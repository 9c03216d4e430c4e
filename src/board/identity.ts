import { createHash } from 'node:crypto';

/** The invisible marker Quimbot appends to a card's first line the first time it edits it. */
export function markerComment(id: string): string {
  return `<!-- q:${id} -->`;
}

/** Title words only: case, punctuation, emphasis and spacing do not change a card's id. */
export function normalizeTitle(title: string): string {
  return title
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** An 8-character id derived from the title, the same wherever the card sits. */
export function deriveId(title: string): string {
  const digest = createHash('sha1').update(normalizeTitle(title)).digest();
  return digest.readUIntBE(0, 5).toString(32).padStart(8, '0');
}

/**
 * Gives every card a unique id: markers first (they were written to be stable), then ids
 * derived from titles; a repeat gets `-2`, `-3`, … in document order.
 */
export function assignIds(cards: ReadonlyArray<{ marker: string | null; title: string }>): string[] {
  const taken = new Set<string>();
  const ids: string[] = new Array<string>(cards.length);
  const claim = (base: string): string => {
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    taken.add(id);
    return id;
  };
  cards.forEach((card, i) => {
    if (card.marker) ids[i] = claim(card.marker);
  });
  cards.forEach((card, i) => {
    if (!card.marker) ids[i] = claim(deriveId(card.title));
  });
  return ids;
}
