import { COLUMN_KINDS, COLUMN_TITLES } from './columns.ts';
import type { ColumnKind } from './columns.ts';
import { cardById } from './card-lookup.ts';
import { BoardError, EditConflict } from './errors.ts';
import { blockedLead, OWNER_SEPARATOR, readBody, readHead } from './fields.ts';
import { deriveId, markerComment } from './identity.ts';
import { indentWidth } from './lines.ts';
import { parseBoard, parsePatched, ropeOf } from './parse.ts';
import type { Patch } from './patch.ts';
import { cardStyle, headLine, listStyleOf, nestedStyleOf } from './style.ts';
import type { ListStyle } from './style.ts';
import type { Board, Card, Column } from './types.ts';

/** What the caller saw when it decided on an edit; if the file now says otherwise, the human wins. */
export interface Expectation {
  column?: ColumnKind;
  owner?: string | null;
}

/** A change to the board, addressed by card id so it can be re-applied to the latest bytes. */
export type Edit =
  /** A move may set the owner and add a note too: one patch of the card, read back once. */
  | { kind: 'move'; card: string; to: ColumnKind; owner?: string | null; note?: string; expect?: Expectation }
  | { kind: 'assign'; card: string; owner: string | null; expect?: Expectation }
  | { kind: 'note'; card: string; text: string; expect?: Expectation }
  | { kind: 'block'; card: string; reason: string; expect?: Expectation }
  | { kind: 'tick'; card: string; done: boolean; expect?: Expectation }
  | { kind: 'add'; title: string; column: ColumnKind; owner?: string | null; notes?: string[]; id?: string }
  | { kind: 'synced'; value: string };

/** The new text, and the id of the card the edit touched (or created). */
export interface EditResult {
  text: string;
  cardId: string | null;
  changed: boolean;
}

interface CardChange {
  to?: ColumnKind;
  owner?: string | null;
  checked?: boolean;
  note?: string;
  blocked?: string;
}

const OWNER_NAME = /^@?\p{L}[\p{L}\p{N}_.'-]*(?: \p{L}[\p{L}\p{N}_.'-]*){0,2}$/u;
const CARD_ID = /^[A-Za-z0-9_-]+$/;

/** What a card must read as after an edit; fields left out are not checked. */
interface Readback {
  column: ColumnKind;
  owner?: string | null;
  checkbox?: 'open' | 'done';
  blockedReason?: string;
}

/** Applies one edit to a board's text as minimal patches, and checks that it took. */
export function applyEdit(text: string, edit: Edit): EditResult {
  const board = boardOf(text);
  if (edit.kind === 'synced') return setLastSynced(board, oneLine(edit.value, 'synced value'));
  const plan = planEdit(board, edit);
  if (!plan.readback) return { text: board.text, cardId: plan.cardId, changed: false };
  const after = parsePatched(board, plan.patches);
  verify(after.cards.find((c) => c.id === plan.cardId), plan.cardId, plan.readback);
  return { text: after.text, cardId: plan.cardId, changed: plan.changed };
}

/** Applies edits in order, each to the result of the one before. */
export function applyEdits(text: string, edits: readonly Edit[]): { text: string; results: EditResult[] } {
  const results: EditResult[] = [];
  for (const edit of edits) {
    const result = applyEdit(text, edit);
    results.push(result);
    text = result.text;
  }
  return { text, results };
}

/**
 * Applies the longest run of edits from the first that can go as one change: their patches are
 * made against the same board and parsed together, one re-parse of the board rather than one
 * an edit (a daemon's write carries the claims and outcomes of many runs). The text and results
 * are those of `applyEdits` on that run, every result carrying its final text. A run ends at an
 * edit of a card edited before in it, an edit that makes a column or an id, or that would not
 * take the place and style it takes one by one, or that does not apply as it is (one by one, it
 * is reported). Null when fewer than two edits can go together.
 */
export function applyLeadingEdits(text: string, edits: readonly Edit[]): { text: string; results: EditResult[]; count: number } | null {
  const group = new EditGroup(boardOf(text));
  for (const edit of edits) if (!group.take(edit)) break;
  return group.size < 2 ? null : group.apply();
}

/** Edits planned against one board, to go as one change. */
class EditGroup {
  readonly #plans: Plan[] = [];
  #patches: Patch[] = [];
  /** Cards planned: edited or added. */
  readonly #cards = new Set<string>();
  /** Cards of the board patched (or moved away). */
  readonly #patched = new Set<string>();
  /** The last plan that puts a card in each column. */
  readonly #lastIn = new Map<ColumnKind, Plan>();

  constructor(readonly board: Board) {}

  get size(): number {
    return this.#plans.length;
  }

  take(edit: Edit): boolean {
    if (edit.kind === 'synced') return false;
    let plan: Plan;
    try {
      plan = planEdit(this.board, edit, this.#cards);
    } catch {
      return false;
    }
    if (plan.makesColumn || this.#cards.has(plan.cardId) || (plan.into && !this.#placeHolds(plan, plan.into))) return false;
    const patches = joinedPatches([...this.#patches, ...plan.patches]);
    if (!patches) return false;
    this.#patches = patches;
    this.#plans.push(plan);
    this.#cards.add(plan.cardId);
    if (plan.from) this.#patched.add(plan.cardId);
    if (plan.into) this.#lastIn.set(plan.into, plan);
    return true;
  }

  apply(): { text: string; results: EditResult[]; count: number } {
    const after = parsePatched(this.board, this.#patches);
    const byId = new Map<string, Card>();
    for (const card of after.cards) if (this.#cards.has(card.id) && !byId.has(card.id)) byId.set(card.id, card);
    for (const plan of this.#plans) if (plan.readback) verify(byId.get(plan.cardId), plan.cardId, plan.readback);
    const results = this.#plans.map((plan) => ({ text: after.text, cardId: plan.cardId, changed: plan.changed }));
    return { text: after.text, results, count: results.length };
  }

  /**
   * True when a card put into `kind` lands where, and looks as, it would one by one. The column's
   * last card is where cards go in and the model of their indent and bullet (the board's first
   * card when the column is empty): no edit before may have patched it. After a card went in, a
   * card moved in looks the same (a numbered list counts on: one by one then), and a card added
   * takes a checkbox as the card before it has one or not.
   */
  #placeHolds(plan: Plan, kind: ColumnKind): boolean {
    const column = this.board.columns.find((c) => c.kind === kind)!;
    const before = this.#lastIn.get(kind);
    if (!before) {
      const model = column.cards.at(-1);
      return model ? !this.#patched.has(model.id) : !this.#firstPatched();
    }
    const style = listStyleOf(this.board, column);
    return !/^\d/.test(style.marker) && (plan.from !== null || before.checkbox === style.checkbox);
  }

  /** The board's first card was patched, and the first one not patched does not look the same. */
  #firstPatched(): boolean {
    const first = this.board.cards[0];
    if (!first || !this.#patched.has(first.id)) return false;
    const next = this.board.cards.find((card) => !this.#patched.has(card.id));
    return !next || !sameListStyle(first, next);
  }
}

function sameListStyle(a: Card, b: Card): boolean {
  const [x, y] = [cardStyle(a), cardStyle(b)];
  return x.marker === y.marker && x.indent === y.indent && x.checkbox === y.checkbox;
}

/**
 * Patches in text order, those that meet joined into one (insertions at one place in the edits'
 * order); null when two overlap.
 */
function joinedPatches(patches: readonly Patch[]): Patch[] | null {
  const sorted = [...patches].sort((a, b) => a.start - b.start);
  const joined: Patch[] = [];
  for (const patch of sorted) {
    const last = joined.at(-1);
    if (!last || patch.start > last.end) {
      joined.push({ ...patch });
      continue;
    }
    if (patch.start < last.end) return null;
    last.end = patch.end;
    last.insert += patch.insert;
  }
  return joined;
}

function boardOf(text: string): Board {
  const board = parseBoard(text);
  if (board.columns.length === 0) {
    throw new BoardError('NOT_A_BOARD', 'no column headings (## Backlog, ## In Progress, ## Done, …) found');
  }
  return board;
}

/**
 * An edit as patches of a board, with the card it touches and what that card must read as
 * after them (none when there is nothing to do: an add whose card is there already).
 */
interface Plan {
  patches: Patch[];
  cardId: string;
  readback: Readback | null;
  changed: boolean;
  /** A patch makes the column it writes into (it had none). */
  makesColumn: boolean;
  /** The column of the card patched where it is (or removed from), and the column a card is inserted into. */
  from: ColumnKind | null;
  into: ColumnKind | null;
  /** The inserted card has a checkbox. */
  checkbox: boolean;
}

/** Plans an edit of the board; `reserved` ids are taken by cards added before it in the same change. */
function planEdit(board: Board, edit: Exclude<Edit, { kind: 'synced' }>, reserved: ReadonlySet<string> = new Set()): Plan {
  if (edit.kind === 'add') return planAdd(board, edit, reserved);
  const card = expectCard(board, edit.card, edit.expect);
  const change = toChange(edit);
  if (change.owner != null) checkOwner(change.owner);
  const { patches, makesColumn } = changeCard(board, card, change);
  const readback: Readback = { column: change.to ?? card.column, owner: change.owner };
  if (change.checked !== undefined) readback.checkbox = change.checked ? 'done' : 'open';
  if (change.blocked !== undefined) readback.blockedReason = change.blocked;
  const into = change.to !== undefined && change.to !== card.column ? change.to : null;
  return { patches, cardId: card.id, readback, changed: changes(board, patches), makesColumn, from: card.column, into, checkbox: card.checkbox !== null };
}

function toChange(edit: Exclude<Edit, { kind: 'add' | 'synced' }>): CardChange {
  switch (edit.kind) {
    case 'move':
      return {
        to: edit.to,
        ...(edit.owner !== undefined ? { owner: edit.owner } : {}),
        ...(edit.note !== undefined ? { note: oneLine(edit.note, 'note') } : {}),
      };
    case 'assign':
      return { owner: edit.owner };
    case 'note':
      return { note: oneLine(edit.text, 'note') };
    case 'block':
      return { to: 'blocked', blocked: oneLine(edit.reason, 'reason') };
    case 'tick':
      return { checked: edit.done };
  }
}

function expectCard(board: Board, id: string, expect: Expectation = {}): Card {
  const card = cardById(board.cards, id);
  if (!card) throw new EditConflict('CARD_GONE', `card ${id} is no longer on the board`);
  if (expect.column && card.column !== expect.column) {
    throw new EditConflict('CARD_MOVED', `card ${id} was moved to ${card.column} (expected ${expect.column})`);
  }
  if (expect.owner !== undefined && card.owner !== expect.owner) {
    throw new EditConflict('OWNER_CHANGED', `card ${id} is now owned by ${card.owner ?? 'nobody'}`);
  }
  return card;
}

function changeCard(board: Board, card: Card, change: CardChange): { patches: Patch[]; makesColumn: boolean } {
  const moving = change.to !== undefined && change.to !== card.column;
  const target = moving ? (board.columns.find((c) => c.kind === change.to) ?? null) : null;
  const eol = card.text.includes('\r\n') ? '\r\n' : board.eol;
  const { line, item } = headLine(card);
  let prefix = line.content.slice(0, item.textStart);
  let body = line.content.slice(item.textStart);

  const checked = change.checked ?? (moving && item.checked !== null ? change.to === 'done' : undefined);
  if (checked !== undefined) {
    if (item.checkboxAt === null) throw new BoardError('INVALID_EDIT', `card ${card.id} (line ${card.line}) has no checkbox`);
    const at = item.checkboxAt;
    const mark = checked ? (prefix[at] === ' ' ? 'x' : prefix[at]!) : ' ';
    prefix = prefix.slice(0, at) + mark + prefix.slice(at + 1);
  }
  // A moved card takes the target list's indent, its nested lines shifted with it: kept at
  // its own indent, a card indented deeper than the target's last card would nest under it.
  let shift = 0;
  if (moving) {
    const style = listStyleOf(board, target);
    if (style.marker !== item.marker) {
      prefix = prefix.slice(0, item.markerStart) + style.marker + prefix.slice(item.markerStart + item.marker.length);
    }
    shift = indentWidth(style.indent) - item.indent;
    prefix = style.indent + prefix.slice(item.markerStart);
  }
  if (change.owner !== undefined) body = withOwner(body, change.owner);
  if (card.marker === null) body = withMarker(body, card.id);

  const rest = splitKeep(card.text).slice(1).map((l) => shiftLine(l, shift));
  if (change.blocked !== undefined) {
    // The line the parser reads the reason from (not one in a code block, any bullet or ordinal).
    const line = readBody(splitKeep(card.text).map((l) => l.replace(/\r?\n$/, ''))).blockedLine;
    const note = `Blocked: ${change.blocked}`;
    if (line !== null && line > 0) {
      const old = rest[line - 1]!;
      const content = old.replace(/\r?\n$/, '');
      rest[line - 1] = blockedLead(content)! + note + old.slice(content.length);
    } else {
      rest.push(shiftLine(nestedLine(card, note, eol), shift));
    }
  }
  // A note the card already has (on any nested line) says nothing new; skipping it makes
  // re-applying an edit safe.
  if (change.note !== undefined && !rest.some((l) => noteText(l) === change.note)) {
    rest.push(shiftLine(nestedLine(card, change.note, eol), shift));
  }

  const firstEol = card.text.slice(line.content.length, line.end - line.start);
  const block = joinLines([prefix + body + firstEol, ...rest], eol);
  const endsOpen = !card.text.endsWith('\n');
  if (!moving) return { patches: [{ start: card.span.start, end: card.span.end, insert: endsOpen ? trimEol(block) : block }], makesColumn: false };
  return { patches: [removal(board, card), insertion(board, change.to!, target, withEol(block, eol))], makesColumn: target === null };
}

function planAdd(board: Board, edit: Extract<Edit, { kind: 'add' }>, reserved: ReadonlySet<string>): Plan {
  const title = oneLine(edit.title, 'title');
  if (edit.owner != null) checkOwner(edit.owner);
  if (edit.id !== undefined && !CARD_ID.test(edit.id)) {
    throw new BoardError('INVALID_EDIT', `card id "${edit.id}" may hold only letters, digits, _ and -`);
  }
  const column = board.columns.find((c) => c.kind === edit.column) ?? null;
  const style: ListStyle = listStyleOf(board, column);
  const taken = (id: string) => reserved.has(id) || cardById(board.cards, id) !== undefined;
  // A pinned id makes re-applying the same add (after a lost write) a no-op instead of a twin.
  if (edit.id && taken(edit.id)) return { patches: [], cardId: edit.id, readback: null, changed: false, makesColumn: false, from: null, into: null, checkbox: false };
  const base = edit.id ?? deriveId(title);
  let id = base;
  for (let n = 2; taken(id); n++) id = `${base}-${n}`;
  const owner = edit.owner ? OWNER_SEPARATOR + edit.owner : '';
  const eol = board.eol;
  // A card added to Done is done, as a card moved there is ticked.
  const box = style.checkbox ? (edit.column === 'done' ? '[x] ' : '[ ] ') : '';
  let block = `${style.indent}${style.marker} ${box}${title}${owner} ${markerComment(id)}${eol}`;
  const nested = ' '.repeat(style.indent.length + style.marker.length + 1);
  for (const note of edit.notes ?? []) block += `${nested}- ${oneLine(note, 'note')}${eol}`;
  // A title ending in ` — Two words` would read back as owned by "Two words": the read-back refuses it.
  const readback = { column: edit.column, owner: edit.owner ?? null };
  return { patches: [insertion(board, edit.column, column, block)], cardId: id, readback, changed: true, makesColumn: column === null, from: null, into: edit.column, checkbox: style.checkbox };
}

function setLastSynced(board: Board, value: string): EditResult {
  const synced = board.lastSynced;
  const rope = ropeOf(board);
  if (synced) {
    const content = rope.slice(synced.span.start, synced.span.end);
    const from = content.indexOf(':') + 1;
    const to = content.lastIndexOf('_');
    const patch = { start: synced.span.start + from, end: synced.span.start + to, insert: ` ${value}` };
    return { text: rope.patched([patch]).text, cardId: null, changed: changes(board, [patch]) };
  }
  const line = `_Last synced: ${value}_`;
  // Below the board's title, else below the front matter, else at the top (after a BOM).
  const first = board.columns[0]!.span.start;
  const title = board.others.find((s) => s.level === 1 && s.span.start < first);
  const front = board.regions.find((r) => r.kind === 'front-matter');
  const below = title ? rope.lineEnd(title.span.start) : front?.span.end;
  const at = below ?? (rope.charCodeAt(0) === 0xfeff ? 1 : 0);
  const insert = below !== undefined ? `${board.eol}${line}${board.eol}` : `${line}${board.eol}${board.eol}`;
  return { text: rope.patched([{ start: at, end: at, insert }]).text, cardId: null, changed: true };
}

/** Removes a card's lines; a card that ends the file without a line break takes the one before it. */
function removal(board: Board, card: Card): Patch {
  let start = card.span.start;
  if (!card.text.endsWith('\n') && start > 0) start -= ropeOf(board).charCodeAt(start - 2) === 13 ? 2 : 1;
  return { start, end: card.span.end, insert: '' };
}

/** Inserts a block (ending in a line break) at the end of a column's list, creating the column if needed. */
function insertion(board: Board, kind: ColumnKind, column: Column | null, block: string): Patch {
  if (column) {
    const at = column.cards.at(-1)?.span.end ?? column.bodyStart;
    return { start: at, end: at, insert: atEnd(board, at) ? board.eol + trimEol(block) : block };
  }
  const order = COLUMN_KINDS.indexOf(kind);
  const before = board.columns
    .filter((c) => COLUMN_KINDS.indexOf(c.kind) < order)
    .sort((a, b) => COLUMN_KINDS.indexOf(a.kind) - COLUMN_KINDS.indexOf(b.kind))
    .at(-1);
  const heading = `## ${COLUMN_TITLES[kind]}${board.eol}`;
  if (!before) {
    const first = board.columns[0]!;
    return { start: first.span.start, end: first.span.start, insert: heading + block + board.eol };
  }
  const at = before.span.end;
  if (at < board.text.length) return { start: at, end: at, insert: heading + block + board.eol };
  // At the end of the file: a blank line before the heading, and no line break added after
  // the last line unless the file had one.
  const text = board.text;
  const open = !text.endsWith('\n');
  const lead = (open ? board.eol : '') + (/(^|\n)[ \t]*\r?\n$/.test(text) ? '' : board.eol);
  return { start: at, end: at, insert: lead + heading + (open ? trimEol(block) : block) };
}

/**
 * Moves a nested line `by` columns right (or left), keeping its place relative to the card's
 * other lines; its leading tabs become spaces, as a tab's width depends on where it starts.
 */
function shiftLine(line: string, by: number): string {
  if (by === 0 || line.trim() === '') return line;
  const lead = /^[ \t]*/.exec(line)![0];
  return ' '.repeat(Math.max(0, indentWidth(lead) + by)) + line.slice(lead.length);
}

function nestedLine(card: Card, text: string, eol: string): string {
  const style = nestedStyleOf(card);
  return `${style.indent}${style.marker} ${text}${eol}`;
}

function noteText(line: string): string {
  return line.replace(/^\s*(?:[-*+]\s+)?/, '').trimEnd();
}

function withOwner(body: string, owner: string | null): string {
  const head = readHead(body);
  if (head.owner) {
    return owner === null
      ? body.slice(0, head.owner.sepStart) + body.slice(head.owner.nameEnd)
      : body.slice(0, head.owner.nameStart) + owner + body.slice(head.owner.nameEnd);
  }
  return owner === null ? body : body.slice(0, head.contentEnd) + OWNER_SEPARATOR + owner + body.slice(head.contentEnd);
}

function withMarker(body: string, id: string): string {
  const end = readHead(body).contentEnd;
  return `${body.slice(0, end)} ${markerComment(id)}${body.slice(end)}`;
}

/** True when the patches change the board's text. */
function changes(board: Board, patches: readonly Patch[]): boolean {
  const rope = ropeOf(board);
  return patches.some((patch) => patch.insert !== rope.slice(patch.start, patch.end));
}

/** Checks that the card `id` of the edited board (`card`, when found) reads back as wanted. */
function verify(card: Card | undefined, id: string, want: Readback): void {
  const wrong = !card
    ? 'the card would not be found'
    : card.column !== want.column
      ? `it would read as in ${card.column}`
      : want.owner !== undefined && card.owner !== want.owner
        ? `it would read as owned by ${card.owner === null ? 'nobody' : `"${card.owner}"`}`
        : want.checkbox !== undefined && card.checkbox !== want.checkbox
          ? `its checkbox would read as ${card.checkbox ?? 'missing'}`
          : want.blockedReason !== undefined && card.blockedReason !== want.blockedReason
            ? `its blocked reason would read as "${card.blockedReason ?? ''}"`
            : null;
  if (wrong) throw new BoardError('INVALID_EDIT', `the edit of card ${id} would not read back as intended: ${wrong}`);
}

function checkOwner(owner: string): void {
  if (!OWNER_NAME.test(owner)) {
    throw new BoardError('INVALID_EDIT', `owner "${owner}" must be a name of 1 to 3 words (letters, digits, _ . ' -)`);
  }
}

function oneLine(value: string, what: string): string {
  const text = value.trim();
  if (!text || /[\r\n]/.test(text)) throw new BoardError('INVALID_EDIT', `${what} must be one non-empty line`);
  return text;
}

function splitKeep(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function joinLines(lines: string[], eol: string): string {
  return lines.map((l, i) => (i < lines.length - 1 && !l.endsWith('\n') ? l + eol : l)).join('');
}

function withEol(block: string, eol: string): string {
  return block.endsWith('\n') ? block : block + eol;
}

function trimEol(block: string): string {
  return block.replace(/\r?\n$/, '');
}

function atEnd(board: Board, at: number): boolean {
  const rope = ropeOf(board);
  return at === rope.length && at > 0 && rope.charCodeAt(at - 1) !== 10;
}
