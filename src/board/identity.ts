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
  return asciiTitleId(title, 0, title.length) ?? textId(normalizeTitle(title));
}

/**
 * `deriveId` of the title `text.slice(start, end).trim()`, read in place when it is ASCII (the
 * parser's case: no title string made). Trimming changes no id: an id hashes words only.
 */
export function deriveIdAt(text: string, start: number, end: number): string {
  return asciiTitleId(text, start, end) ?? deriveId(text.slice(start, end).trim());
}

const BASE32 = '0123456789abcdefghijklmnopqrstuv';

/**
 * The low 40 bits of the 53-bit hash `2^32 * (h2 & 0x1fffff) + (h1 >>> 0)` as 8 base-32 digits
 * (what `(hash % 2 ** 40).toString(32).padStart(8, '0')` gives), with integer operations
 * only: the bits above 40 are dropped, the rest split into two 20-bit halves.
 */
function base32(h1: number, h2: number): string {
  const high = ((h2 & 0xff) << 12) | (h1 >>> 20);
  const low = h1 & 0xfffff;
  // One string built from eight character codes, not eight concatenations.
  return String.fromCharCode(
    digit(high >>> 15), digit(high >>> 10), digit(high >>> 5), digit(high),
    digit(low >>> 15), digit(low >>> 10), digit(low >>> 5), digit(low),
  );
}

function digit(n: number): number {
  return BASE32.charCodeAt(n & 31);
}

const H1 = 0xdeadbeef;
const H2 = 0x41c6ce57;

/**
 * The id of cyrb53 (a fast, well-mixed 53-bit string hash) of `normalizeTitle(title)` for an
 * ASCII title `text[start, end)`, computed in one pass without building the normalised string; null for other titles. Most
 * titles are ASCII, and this keeps a 10,000-card board's parse free of per-title allocations.
 */
function asciiTitleId(text: string, start: number, end: number): string | null {
  let h1 = H1;
  let h2 = H2;
  let pendingSpace = false;
  let started = false;
  for (let i = start; i < end; i++) {
    let c = text.charCodeAt(i);
    if (c > 0x7f) return null;
    if (c >= 65 && c <= 90) c += 32;
    const word = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    if (!word) {
      pendingSpace = started;
      continue;
    }
    if (pendingSpace) {
      h1 = Math.imul(h1 ^ 32, 2654435761);
      h2 = Math.imul(h2 ^ 32, 1597334677);
      pendingSpace = false;
    }
    started = true;
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  return finish(h1, h2);
}

function textId(text: string): string {
  let h1 = H1;
  let h2 = H2;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  return finish(h1, h2);
}

function finish(h1: number, h2: number): string {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return base32(h1, h2);
}

/**
 * Gives every card a unique id: markers first (they were written to be stable), then ids
 * derived from titles (`deriveId`, computed by the caller); a repeat gets `-2`, `-3`, … in
 * document order. `markers[i]` and `derived[i]` are those of the i-th card.
 */
export function assignIds(markers: ReadonlyArray<string | null>, derived: readonly string[]): string[] {
  const taken = new Set<string>();
  // The next suffix to try for a repeated base: each repeat starts where the last one stopped
  // (ids are only ever added), so a title repeated n times costs n tries, not n² / 2.
  const next = new Map<string, number>();
  const ids: string[] = new Array<string>(derived.length);
  for (let i = 0; i < markers.length; i++) {
    const marker = markers[i];
    if (marker) ids[i] = claim(taken, next, marker);
  }
  for (let i = 0; i < derived.length; i++) {
    if (!markers[i]) ids[i] = claim(taken, next, derived[i]!);
  }
  return ids;
}

/**
 * True when no string is repeated. A table of 32-bit hashes in a typed array, strings compared
 * only when their hashes meet: a `Set` of a board's ten thousand ids costs several times more.
 */
export function allDistinct(strings: readonly string[]): boolean {
  let size = 16;
  while (size < strings.length * 2) size *= 2;
  const mask = size - 1;
  // Index + 1 of the string in each slot; 0 is empty.
  const slots = new Int32Array(size);
  for (let n = 0; n < strings.length; n++) {
    const s = strings[n]!;
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const taken = slots[slot]!;
      if (taken === 0) {
        slots[slot] = n + 1;
        break;
      }
      if (strings[taken - 1] === s) return false;
    }
  }
  return true;
}

function claim(taken: Set<string>, next: Map<string, number>, base: string): string {
  let id = base;
  if (taken.has(id)) {
    let n = next.get(base) ?? 2;
    while (taken.has(`${base}-${n}`)) n++;
    id = `${base}-${n}`;
    next.set(base, n + 1);
  }
  taken.add(id);
  return id;
}
