import { parseColumnName } from './columns.ts';
import { BoardError } from './errors.ts';
import { normalizeTitle } from './identity.ts';
import type { Board, Card } from './types.ts';

/**
 * Finds the card a person means: an id (`q:` optional), `column:index` (1-based, e.g.
 * `backlog:2`), an exact title, or a unique title prefix. Ambiguity is an error that lists
 * the matches.
 */
export function selectCard(board: Board, ref: string): Card {
  const wanted = ref.trim().replace(/^q:/, '');
  const byId = board.cards.find((c) => c.id === wanted);
  if (byId) return byId;

  const position = /^(.+):(\d+)$/.exec(wanted);
  const kind = position ? parseColumnName(position[1]!) : null;
  if (position && kind) {
    const index = Number(position[2]);
    const column = board.columns.find((c) => c.kind === kind);
    const card = column?.cards[index - 1];
    if (card) return card;
    throw new BoardError('CARD_NOT_FOUND', `no card ${index} in ${kind} (it has ${column?.cards.length ?? 0})`, { ref });
  }

  const needle = normalizeTitle(wanted);
  if (needle) {
    const exact = board.cards.filter((c) => normalizeTitle(c.title) === needle);
    if (exact.length === 1) return exact[0]!;
    const matches = exact.length > 1 ? exact : board.cards.filter((c) => normalizeTitle(c.title).startsWith(needle));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      const list = matches.map((c) => `  ${c.id}  ${c.column}:${c.index + 1}  line ${c.line}  ${c.title}`).join('\n');
      throw new BoardError('AMBIGUOUS_CARD', `"${ref}" matches ${matches.length} cards:\n${list}`, {
        ref,
        matches: matches.map((c) => c.id),
      });
    }
  }
  throw new BoardError('CARD_NOT_FOUND', `no card matches "${ref}" (an id, column:index, or a title prefix)`, { ref });
}
