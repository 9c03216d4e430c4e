import { readCards } from './build.ts';
import type { Parsed } from './build.ts';
import { allDistinct, assignIds } from './identity.ts';
import { changeOf } from './change.ts';
import type { Change } from './change.ts';
import { changeOfPatches } from './patch.ts';
import type { Patch } from './patch.ts';
import { reparse } from './reparse.ts';
import { Rope } from './rope.ts';
import { closeSection, initialState, readFrontMatter, scanLines, wholeText } from './scan.ts';
import { boardWithRegions } from './regions.ts';
import type { Board } from './types.ts';
import { Utf8Offsets } from './utf8-offsets.ts';

// An update parses the same text several times (check, apply, verify the result, read back):
// the last boards parsed are kept and returned again, and the next text is parsed as a change
// of the latest. Boards are never mutated after parsing.
const recent: Parsed[] = [];
const RECENT_KEPT = 2;

/**
 * Parses any Markdown Kanban file. Total: every text parses, and the regions partition it,
 * so `serialize(parse(text)) === text` always holds. The result is shared: do not mutate it.
 */
export function parseBoard(text: string): Board {
  const known = recent.find((parsed) => parsed.board.text === text);
  if (known) return known.board;
  const rope = Rope.of(text);
  const base = closest(rope);
  const parsed = base && reparse(base.parsed, rope, base.change);
  return keep(parsed ? withOrigin(parsed, base.parsed, base.change) : parseFresh(text));
}

/**
 * The board of `before`'s text with `patches` applied (an edit's): parsed as that change, and
 * kept as pieces of the text it was made from (see `Rope`). Its text is `board.text`.
 */
export function parsePatched(before: Board, patches: readonly Patch[]): Board {
  const base = recent.find((parsed) => parsed.board === before);
  const rope = ropeOf(before).patched(patches);
  if (!base) return parseBoard(rope.text);
  const change = changeOfPatches(before.text.length, patches);
  const parsed = reparse(base, rope, change);
  return keep(parsed ? withOrigin(parsed, base, change) : parseFresh(rope.text));
}

/** Internal, for tests: `parseBoard(text)` for a text made from `before`'s by a change given (less than all that is unchanged may be). */
export function _parseChanged(before: Board, text: string, change: Change): Board {
  const base = recent.find((parsed) => parsed.board === before);
  if (!base) return parseBoard(text);
  const parsed = reparse(base, Rope.of(text), change);
  return keep(parsed ? withOrigin(parsed, base, change) : parseFresh(text));
}

/** The text of a board as the pieces it is kept as (one piece if it was not parsed lately). */
export function ropeOf(board: Board): Rope {
  return recent.find((parsed) => parsed.board === board)?.offsets.rope ?? Rope.of(board.text);
}

/**
 * The change from `before` to `text` when both were parsed lately, one as a change of the
 * other (a write encodes only what an update's edits changed), with the byte offsets of
 * `before` and the pieces of `text`; else null. Texts are matched by identity in practice: the
 * strings the parser was given.
 */
export function changeSince(before: string, text: string): { change: Change; before: Utf8Offsets; after: Rope } | null {
  const parsed = recent.find((p) => p.board.text === text);
  const origin = parsed?.from.find((o) => o.text === before);
  return parsed && origin ? { change: origin.change, before: origin.offsets, after: parsed.offsets.rope } : null;
}

/**
 * How many earlier texts a parsed board remembers being a change of: a group commit's write
 * encodes only what its edits changed when the text it read is among them (16 edits; past that
 * the whole text is encoded).
 */
const ORIGINS_KEPT = 16;

/** `parsed`, noted as `base` changed by `change` (and so as a change of what `base` was a change of). */
function withOrigin(parsed: Parsed, base: Parsed, change: Change): Parsed {
  const from = [{ text: base.board.text, change, offsets: base.offsets }];
  for (const origin of base.from.slice(0, ORIGINS_KEPT - 1)) {
    // Unchanged from the older text: what both changes left alone.
    const both = { prefix: Math.min(origin.change.prefix, change.prefix), suffix: Math.min(origin.change.suffix, change.suffix) };
    from.push({ text: origin.text, change: both, offsets: origin.offsets });
  }
  return { ...parsed, from };
}

function keep(parsed: Parsed): Board {
  recent.unshift(parsed);
  if (recent.length > RECENT_KEPT) recent.pop();
  return parsed.board;
}

/**
 * The kept board whose text differs least from `text` (the latest, unless most of it changed
 * and the one before is closer: an update checks an edit against one text, then the next),
 * when it shares at least half of the text.
 */
function closest(text: Rope): { parsed: Parsed; change: Change } | null {
  let best: { parsed: Parsed; change: Change } | null = null;
  for (const parsed of recent) {
    const change = changeOf(parsed.offsets.rope, text);
    const kept = change.prefix + change.suffix;
    if (!best || kept > best.change.prefix + best.change.suffix) best = { parsed, change };
    if (kept >= text.length * 0.95) break;
  }
  // A text mostly new (another board) parses faster from scratch than as a change.
  return best && best.change.prefix + best.change.suffix >= text.length / 2 ? best : null;
}

/** Internal, for tests: a parse from scratch, with no earlier board to start from. */
export function _parseFresh(text: string): Board {
  return parseFresh(text).board;
}

function parseFresh(text: string): Parsed {
  const front = readFrontMatter(text);
  const obsidian = front.end > 0 && /^kanban-plugin:/m.test(text.slice(0, front.end));
  const scan = scanLines(wholeText(text), front.end, front.lines, initialState(), null);
  closeSection(scan.state.column, scan.others, text.length);

  const derived: string[] = [];
  const rope = Rope.of(text);
  const offsets = new Utf8Offsets(rope);
  const cards = readCards(scan, offsets, derived);
  // The cards are new: their ids are set before the board is shared. Most boards repeat no
  // title and have no marker: every card's id is then its title's.
  let distinct = !cards.some((card) => card.marker !== null) && allDistinct(derived);
  if (distinct) {
    for (let n = 0; n < cards.length; n++) cards[n]!.id = derived[n]!;
  } else {
    const markers = cards.map((card) => card.marker);
    const ids = assignIds(markers, derived);
    distinct = ids.every((id, n) => id === (markers[n] || derived[n]));
    for (let n = 0; n < cards.length; n++) cards[n]!.id = ids[n]!;
  }
  const crlf = front.crlf + scan.crlf;
  const lf = front.lf + scan.lf;
  const board = boardWithRegions(
    { text, eol: crlf > lf ? '\r\n' : '\n', obsidian, columns: scan.columns, cards, others: scan.others, lastSynced: scan.state.lastSynced },
    front.end,
    rope,
  );
  return { board, cards, derived, distinct, crlf, lf, frontEnd: front.end, offsets, from: [] };
}

