import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { applyEdit, BoardError, deriveId, lintBoard, parseBoard, selectCard } from '../src/board/index.ts';
import type { Board } from '../src/board/index.ts';

const SEED = readFileSync(new URL('../../shared/fixtures/seeds/KANBAN.seed.md', import.meta.url), 'utf8');
const MIXED = readFileSync(new URL('./fixtures/boards/mixed.md', import.meta.url), 'utf8');
const ids = (text: string) => Object.fromEntries(parseBoard(text).cards.map((c) => [c.title, c.id]));
const BASE = '## Backlog\n- Audit TOEFL\n- Mix Stage 1\n  - after: Audit TOEFL\n- Dedup\n## Done\n- Build recipe\n';

describe('card identity', () => {
  test('ids are derived from titles', () => {
    assert.deepEqual(ids(BASE), {
      'Audit TOEFL': deriveId('Audit TOEFL'),
      'Mix Stage 1': deriveId('Mix Stage 1'),
      Dedup: deriveId('Dedup'),
      'Build recipe': deriveId('Build recipe'),
    });
    assert.match(deriveId('Audit TOEFL'), /^[0-9a-v]{8}$/);
    assert.equal(deriveId('**Audit**  toefl!'), deriveId('audit TOEFL'));
    assert.notEqual(deriveId('Audit TOEFL'), deriveId('Audit TOEFL 2'));
  });
  const variants: Array<[string, string]> = [
    ['reordering cards', '## Backlog\n- Dedup\n- Mix Stage 1\n  - after: Audit TOEFL\n- Audit TOEFL\n## Done\n- Build recipe\n'],
    ['moving a card to another column', '## Backlog\n- Audit TOEFL\n- Dedup\n## Done\n- Build recipe\n- Mix Stage 1\n  - after: Audit TOEFL\n'],
    ['editing another card', BASE.replace('- Dedup\n', '- Dedup — Petrarch\n  - note: by hash\n')],
    ['reordering columns and adding cards', '## Done\n- Build recipe\n- New one\n## Backlog\n- Audit TOEFL\n- Dedup\n- Mix Stage 1\n'],
  ];
  for (const [name, text] of variants) {
    test(`ids survive ${name}`, () => {
      const before = ids(BASE);
      const after = ids(text);
      for (const [title, id] of Object.entries(before)) assert.equal(after[title], id, title);
    });
  }
  test('ids survive the daemon editing another card', () => {
    const edited = applyEdit(BASE, { kind: 'move', card: deriveId('Dedup'), to: 'done' }).text;
    assert.deepEqual(ids(edited), ids(BASE));
    const dedup = parseBoard(edited).cards.find((c) => c.title === 'Dedup')!;
    assert.deepEqual([dedup.marker, dedup.column], [deriveId('Dedup'), 'done']);
  });
  test('duplicate titles get distinct ids in document order', () => {
    const board = parseBoard('## Backlog\n- Foo\n- **foo!**\n## Done\n- FOO — Ada\n');
    const x = deriveId('Foo');
    assert.deepEqual(board.cards.map((c) => c.id), [x, `${x}-2`, `${x}-3`]);
  });
  test('a marker wins over a derived id, wherever it is', () => {
    const x = deriveId('Foo');
    const board = parseBoard(`## Backlog\n- Foo\n## Done\n- Renamed card <!-- q:${x} -->\n`);
    assert.deepEqual(board.cards.map((c) => [c.title, c.id, c.marker]), [['Foo', `${x}-2`, null], ['Renamed card', x, x]]);
  });
  test('a marker keeps the id through a rename', () => {
    assert.equal(parseBoard('## Done\n- New words <!-- q:abc -->\n').cards[0]!.id, 'abc');
  });
  test('a repeated marker reads as a new id and is linted', () => {
    const board = parseBoard('## Backlog\n- One <!-- q:abc -->\n- Two <!-- q:abc -->\n');
    assert.deepEqual(board.cards.map((c) => [c.id, c.marker]), [['abc', 'abc'], ['abc-2', 'abc']]);
    assert.deepEqual(lintBoard(board).map((f) => [f.code, f.line]), [['DUPLICATE_MARKER', 3]]);
  });
  test('the first edit writes the derived id as a marker; later reads keep it', () => {
    const text = '## Backlog\n- Foo\n- Foo\n';
    const x = deriveId('Foo');
    const next = applyEdit(text, { kind: 'assign', card: `${x}-2`, owner: 'Ada' }).text;
    assert.equal(next, `## Backlog\n- Foo\n- Foo — Ada <!-- q:${x}-2 -->\n`);
    const reordered = next.replace(/^(- Foo\n)(- Foo — .*\n)/m, '$2$1');
    assert.deepEqual(parseBoard(reordered).cards.map((c) => [c.owner, c.id]), [['Ada', `${x}-2`], [null, x]]);
  });
});

describe('selectCard', () => {
  const seed = parseBoard(SEED);
  const titleOf = (board: Board, ref: string) => selectCard(board, ref).title;
  const found: Array<[string, string]> = [
    [seed.cards[3]!.id, 'TOEFL-style synthetic followup generation script (`fine-tuning/generate_toefl_followups_openrouter.py`)'],
    [`q:${seed.cards[3]!.id}`, 'TOEFL-style synthetic followup generation script (`fine-tuning/generate_toefl_followups_openrouter.py`)'],
    ['backlog:2', 'Stage 2 language/learner variant fine-tuning'],
    ['in-progress:1', 'Write build recipe'],
    ['In Progress:3', 'Execute Superset 3'],
    ['blocked:1', 'OpenRouter scale-out generation: **HTTP 402 Payment Required** (billing/account state)'],
    ['Write build', 'Write build recipe'],
    ['  write-BUILD ', 'Write build recipe'],
    ['execute superset 2', 'Execute Superset 2'],
    ['Stage 2', 'Stage 2 language/learner variant fine-tuning'],
  ];
  for (const [ref, title] of found) test(`"${ref}"`, () => assert.equal(titleOf(seed, ref), title));

  test('an exact title beats the titles it prefixes', () => {
    const board = parseBoard('## Backlog\n- Audit TOEFL\n- Audit\n- Audit TOEFL again\n');
    assert.equal(selectCard(board, 'audit').index, 1);
    assert.equal(selectCard(board, 'Audit TOEFL').index, 0);
  });
  const refuse = (board: Board, ref: string, code: string, message: RegExp, matches?: string[]) =>
    assert.throws(
      () => selectCard(board, ref),
      (e: unknown) => {
        assert.ok(e instanceof BoardError);
        assert.equal(e.code, code);
        assert.match(e.message, message);
        if (matches) assert.deepEqual(e.details.matches, matches);
        return true;
      },
    );
  test('an ambiguous prefix lists the matches', () => {
    const [, a, b] = seed.columns.find((c) => c.kind === 'in_progress')!.cards;
    refuse(seed, 'Execute', 'AMBIGUOUS_CARD', /"Execute" matches 2 cards:\n {2}\w+ {2}in_progress:2 {2}line 17 {2}Execute Superset 2\n {2}\w+ {2}in_progress:3 {2}line 18 {2}Execute Superset 3$/, [a!.id, b!.id]);
  });
  test('two cards with the same exact title are ambiguous', () => {
    const board = parseBoard('## Backlog\n- Foo\n- Foobar\n## Done\n- foo\n');
    refuse(board, 'FOO', 'AMBIGUOUS_CARD', /matches 2 cards/, [board.cards[0]!.id, board.cards[2]!.id]);
  });
  const missing: Array<[string, RegExp]> = [
    ['nothing like this', /no card matches "nothing like this"/],
    ['', /no card matches ""/],
    ['!!!', /no card matches "!!!"/],
    ['backlog:9', /^no card 9 in backlog \(it has 5\)$/],
    ['backlog:0', /^no card 0 in backlog/],
    ['review:1', /^no card 1 in review \(it has 0\)$/],
    ['q:zzzzzzzz', /no card matches/],
  ];
  for (const [ref, message] of missing) test(`CARD_NOT_FOUND: "${ref}"`, () => refuse(seed, ref, 'CARD_NOT_FOUND', message));
});

describe('lintBoard', () => {
  const lint = (text: string) => lintBoard(parseBoard(text)).map((f) => [f.code, f.line]);
  test('the seed board: Notes is not a column', () => {
    assert.deepEqual(lintBoard(parseBoard(SEED)), [
      { code: 'UNKNOWN_HEADING', line: 37, message: '"## ğŸ“ Notes" is not a column; its lines are kept but never read as cards' },
    ]);
  });
  test('duplicate titles, across columns and emphasis', () => {
    assert.deepEqual(lintBoard(parseBoard('## Backlog\n- Foo\n- Bar\n## Done\n- **foo!**\n')), [
      { code: 'DUPLICATE_TITLE', line: 5, message: '"foo!" repeats the card on line 2' },
    ]);
  });
  test('unknown ## headings, and checkbox items outside every column (not in code)', () => {
    assert.deepEqual(lint(MIXED), [['UNKNOWN_HEADING', 33], ['CARD_OUTSIDE_COLUMN', 34], ['UNKNOWN_HEADING', 37]]);
    assert.deepEqual(lint('## Notes\n```\n- [ ] example\n```\n## Done\n- a\n# Title\n- [ ] x\n'), [['UNKNOWN_HEADING', 1]]);
  });
  test('a board with no columns', () => {
    assert.deepEqual(lintBoard(parseBoard('# Notes\n\n- a\n')), [
      { code: 'NO_COLUMNS', line: 1, message: 'no column headings (## Backlog, ## In Progress, ## Done, …)' },
    ]);
    assert.deepEqual(lint(''), [['NO_COLUMNS', 1]]);
  });
  test('a command that cannot be split', () => {
    assert.deepEqual(lintBoard(parseBoard('## Backlog\n- ok\n- Run `/data audit "x.jsonl`\n')), [
      { code: 'BAD_COMMAND', line: 3, message: 'command `/data audit "x.jsonl`: unclosed " quote in "data audit "x.jsonl"' },
    ]);
  });
  test('findings are sorted by line', () => {
    const text = '## Ideas\n- [ ] idea\n## Backlog\n- A <!-- q:k -->\n- a <!-- q:k -->\n- `/x "`\n';
    assert.deepEqual(lint(text), [['UNKNOWN_HEADING', 1], ['CARD_OUTSIDE_COLUMN', 2], ['DUPLICATE_TITLE', 5], ['DUPLICATE_MARKER', 5], ['BAD_COMMAND', 6]]);
  });
});

test('the ASCII fast path of deriveId agrees with hashing the normalised title', () => {
  const cases = ['Audit TOEFL', '**Write build recipe**', '  --Dedup!!  policy--  ', 'a', '', '123 go', 'Mix: LMSYS 40% / Magpie 25%'];
  for (const title of cases) {
    // A non-ASCII twin normalises to the same words, so it takes the general path to the same id.
    const twin = `${title}\u00a0`;
    assert.equal(deriveId(title), deriveId(twin), JSON.stringify(title));
  }
  assert.notEqual(deriveId('ab c'), deriveId('a bc'));
});
