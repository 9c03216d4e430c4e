/** Lookups a list of cards gets by scanning before it is indexed: a few scans cost less than a map. */
const SCANS_BEFORE_INDEX = 8;

/** Per list of cards: the lookups made so far, then its index. Lists are not changed once parsed. */
const indexes = new WeakMap<readonly { id: string }[], number | Map<string, { id: string }>>();

/**
 * The first card with this id. A list looked up many times (a group of edits planned against
 * one board, a burst of cards a peer adds) is indexed once rather than scanned each time.
 */
export function cardById<C extends { id: string }>(cards: readonly C[], id: string): C | undefined {
  const index = indexes.get(cards) ?? 0;
  if (typeof index !== 'number') return index.get(id) as C | undefined;
  if (index < SCANS_BEFORE_INDEX) {
    indexes.set(cards, index + 1);
    return cards.find((card) => card.id === id);
  }
  const byId = new Map<string, C>();
  for (const card of cards) if (!byId.has(card.id)) byId.set(card.id, card);
  indexes.set(cards, byId);
  return byId.get(id);
}
