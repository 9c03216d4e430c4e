import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { deriveId, parseBoard, parseSlashCommand, recognizeColumn, serializeBoard, splitWords } from '../src/board/index.ts';
import type { Board, Card, ColumnKind } from '../src/board/index.ts';
import { readHead } from '../src/board/fields.ts';
import { allDistinct, assignIds } from '../src/board/identity.ts';
import { matchListItem } from '../src/board/list-item.ts';
import { changeOf, encodeChange } from '../src/board/change.ts';
import { _parseChanged, _parseFresh, changeSince, parsePatched } from '../src/board/parse.ts';
import { changeOfPatches } from '../src/board/patch.ts';
import { Rope } from '../src/board/rope.ts';
import type { Patch } from '../src/board/patch.ts';
import { Utf8Offsets } from '../src/board/utf8-offsets.ts';
import { generateBoard, rng } from './helpers/boards.ts';

const SEEDS = new URL('../../shared/fixtures/seeds/', import.meta.url);
const FIXTURES = new URL('./fixtures/boards/', import.meta.url);
const read = (base: URL, name: string) => readFileSync(new URL(name, base), 'utf8');
const fixtureNames = readdirSync(FIXTURES).filter((f) => f.endsWith('.md')).sort();

/** The first card of a board holding just these lines under `## Backlog`. */
function cardOf(...lines: string[]): Card {
  const card = parseBoard(`## Backlog\n${lines.join('\n')}\n`).cards[0];
  assert.ok(card, 'no card parsed');
  return card;
}

/** A board as plain data, every card field included (those read on first use too). */
const plain = (board: Board): unknown => JSON.parse(JSON.stringify(board));
const counts = (board: Board) => board.columns.map((c) => [c.kind, c.cards.length]);

describe('the seed boards', () => {
  for (const [name, notes, decision] of [
    ['KANBAN.seed.md', 'ğŸ“ Notes', '- âœ… '],
    ['KANBAN.clean.md', '📝 Notes', '- ✅ '],
  ] as const) {
    const text = read(SEEDS, name);
    const board = parseBoard(text);
    test(`${name}: columns and card counts`, () => {
      assert.deepEqual(counts(board), [['done', 8], ['in_progress', 3], ['backlog', 5], ['blocked', 1]]);
      assert.equal(board.cards.length, 17);
      assert.equal(board.eol, '\n');
      assert.equal(board.obsidian, false);
    });
    test(`${name}: In Progress titles and owners`, () => {
      const cards = board.columns.find((c) => c.kind === 'in_progress')!.cards;
      assert.deepEqual(cards.map((c) => [c.title, c.owner, c.index]), [
        ['Write build recipe', 'Quimbot', 0],
        ['Execute Superset 2', 'Quimbot', 1],
        ['Execute Superset 3', 'Quimbot', 2],
      ]);
      assert.deepEqual(board.cards.filter((c) => c.owner !== null).length, 3);
    });
    test(`${name}: the Decisions resolved lines are not cards and stay verbatim`, () => {
      const lines = text.split('\n').filter((l) => l.startsWith(decision));
      assert.equal(lines.length, 5);
      assert.equal(board.cards.some((c) => c.text.includes('Drop 30 empty-assistant')), false);
      const start = text.indexOf('### ');
      const region = board.regions.find((r) => r.span.start <= start && start < r.span.end)!;
      assert.equal(region.kind, 'verbatim');
      const verbatim = text.slice(region.span.start, region.span.end);
      for (const line of lines) assert.ok(verbatim.includes(`${line}\n`), line);
    });
    test(`${name}: Notes is an untouched other section`, () => {
      assert.deepEqual(board.others.map((o) => [o.heading, o.level]), [
        [name.includes('seed') ? 'KANBAN.md â€” Quimbot Project Board' : 'KANBAN.md — Quimbot Project Board', 1],
        [notes, 2],
      ]);
      const section = board.others[1]!;
      assert.equal(section.span.end, text.length);
      assert.equal(section.line, 37);
      const last = board.regions.at(-1)!;
      // The blank line before the heading and the whole section: one verbatim region.
      assert.deepEqual(last, { kind: 'verbatim', span: { start: section.span.start - 1, end: text.length } });
      assert.equal(text[section.span.start - 1], '\n');
      assert.ok(text.slice(section.span.start).endsWith('`agents/KANBAN.md`. \n'));
    });
    test(`${name}: blocked reason and last synced`, () => {
      const blocked = board.columns.find((c) => c.kind === 'blocked')!.cards[0]!;
      assert.equal(blocked.blockedReason, 'HTTP 402 Payment Required');
      assert.equal(blocked.line, 35);
      assert.deepEqual(board.lastSynced && { line: board.lastSynced.line, value: board.lastSynced.value }, {
        line: 3,
        value: '2026-02-17 19:00 ET (evening standup)',
      });
      assert.equal(board.cards.filter((c) => c.blockedReason !== null).length, 1);
    });
  }
});

describe('recognizeColumn', () => {
  const cases: Array<[string, ColumnKind | null]> = [
    ['Backlog', 'backlog'], ['📋 Backlog', 'backlog'], ['ğŸ“‹ Backlog', 'backlog'], ['BACKLOG (5)', 'backlog'],
    ['To Do', 'backlog'], ['Todo', 'backlog'], ['to-do', 'backlog'], ['Ready', 'backlog'], ['Up Next', 'backlog'],
    ['In Progress', 'in_progress'], ['ğŸ”¨ In Progress', 'in_progress'], ['Doing', 'in_progress'], ['WIP', 'in_progress'],
    ['Active', 'in_progress'], ['Review', 'review'], ['In Review', 'review'], ['QA', 'review'],
    ['✅ Done', 'done'], ['âœ… Done', 'done'], ['done', 'done'], ['Complete', 'done'], ['Completed', 'done'],
    ['Shipped 🚀', 'done'], ['🚫 Blocked', 'blocked'], ['ğŸš« Blocked [2]', 'blocked'],
    ['Notes on done work', null], ['Notes', null], ['Done and dusted', null], ['Sprint 3 Backlog', null], ['', null], ['📝', null],
  ];
  for (const [heading, kind] of cases) test(`"${heading}" -> ${kind}`, () => assert.equal(recognizeColumn(heading), kind));
});

describe('matchListItem', () => {
  const cases: Array<[string, ReturnType<typeof matchListItem>]> = [
    ['- a', { indent: 0, marker: '-', markerStart: 0, checkboxAt: null, checked: null, textStart: 2 }],
    ['  * [ ] b', { indent: 2, marker: '*', markerStart: 2, checkboxAt: 5, checked: false, textStart: 8 }],
    ['12) c', { indent: 0, marker: '12)', markerStart: 0, checkboxAt: null, checked: null, textStart: 4 }],
    ['3.\td', { indent: 0, marker: '3.', markerStart: 0, checkboxAt: null, checked: null, textStart: 3 }],
    ['- [x]', { indent: 0, marker: '-', markerStart: 0, checkboxAt: 3, checked: true, textStart: 5 }],
    ['1234567890. no', null],
    ['123456789. yes', { indent: 0, marker: '123456789.', markerStart: 0, checkboxAt: null, checked: null, textStart: 11 }],
    ['* * *', null],
    ['+ + +', { indent: 0, marker: '+', markerStart: 0, checkboxAt: null, checked: null, textStart: 2 }],
    ['-no', null],
    ['- [ ]x', { indent: 0, marker: '-', markerStart: 0, checkboxAt: null, checked: null, textStart: 2 }],
    ['\t- [X]   tab', { indent: 4, marker: '-', markerStart: 1, checkboxAt: 4, checked: true, textStart: 9 }],
    ['- [ ]', { indent: 0, marker: '-', markerStart: 0, checkboxAt: 3, checked: false, textStart: 5 }],
    ['1)x', null],
    ['07. [x] z', { indent: 0, marker: '07.', markerStart: 0, checkboxAt: 5, checked: true, textStart: 8 }],
    ['*\t[ ]\tq', { indent: 0, marker: '*', markerStart: 0, checkboxAt: 3, checked: false, textStart: 6 }],
  ];
  for (const [line, want] of cases) test(JSON.stringify(line), () => assert.deepEqual(matchListItem(line), want));
});

describe('card fields', () => {
  const cases: Array<{ name: string; lines: string[]; want: Partial<Card> }> = [
    { name: 'leading bold title and em dash owner', lines: ['- **Write build recipe** (3 supersets) — Quimbot'], want: { title: 'Write build recipe', owner: 'Quimbot' } },
    { name: 'double hyphen owner', lines: ['- Plain title -- Ada Lovelace'], want: { title: 'Plain title', owner: 'Ada Lovelace' } },
    { name: 'bold then hyphen owner', lines: ['- **Dedup** - Petrarch'], want: { title: 'Dedup', owner: 'Petrarch' } },
    { name: 'mojibake dash owner', lines: ['- Dedup â€” Quimbot'], want: { title: 'Dedup', owner: 'Quimbot' } },
    { name: 'hyphenated title has no owner', lines: ['- Re-run the follow-up audit'], want: { title: 'Re-run the follow-up audit', owner: null } },
    { name: 'spaced hyphen without bold is no owner', lines: ['- Stage 1 - clean concat'], want: { title: 'Stage 1 - clean concat', owner: null } },
    { name: 'five words after a dash are no owner', lines: ['- Fix parser — handle the odd edge case'], want: { owner: null, title: 'Fix parser — handle the odd edge case' } },
    { name: 'mentions', lines: ['- Ask @codex and @petrarch.'], want: { mentions: ['codex', 'petrarch'], title: 'Ask @codex and @petrarch.' } },
    { name: 'no mentions in emails, code or comments', lines: ['- Mail ada@example.com about `@notme` <!-- @hidden -->'], want: { mentions: [] } },
    { name: 'mentions on nested lines, not in fenced code', lines: ['- Mix', '  - ping @quimbot', '  ```', '  @dataclass', '  ```'], want: { mentions: ['quimbot'] } },
    { name: 'links', lines: ['- See [[Build recipe]] and [[Notes#today|today]]'], want: { links: ['Build recipe', 'Notes'] } },
    { name: 'after lines', lines: ['- Mix', '  - after: Audit TOEFL, q:abc12345', '  - after: [[Build recipe]]', '  after: `Run x`'], want: { after: ['Audit TOEFL', 'q:abc12345', 'Build recipe', 'Run x'] } },
    { name: 'after line keeps a trailing code span', lines: ['- Mix', '  - after: Run `x.jsonl`'], want: { after: ['Run `x.jsonl`'] } },
    { name: 'after on the first line is not a dependency', lines: ['- after: nothing'], want: { after: [] } },
    { name: 'open checkbox', lines: ['- [ ] open'], want: { checkbox: 'open', title: 'open' } },
    { name: 'done checkbox', lines: ['- [x] done'], want: { checkbox: 'done', title: 'done' } },
    { name: 'capital X checkbox', lines: ['* [X] done'], want: { checkbox: 'done' } },
    { name: 'no checkbox without a space', lines: ['- [x]no space'], want: { checkbox: null, title: '[x]no space' } },
    { name: 'marker gives the id', lines: ['- Title <!-- q:abc123 -->'], want: { id: 'abc123', marker: 'abc123', title: 'Title' } },
    { name: 'owner before the marker', lines: ['- Title — Quimbot <!-- q:abc -->  '], want: { owner: 'Quimbot', title: 'Title', id: 'abc' } },
    { name: 'ordinal and tab', lines: ['12)\tTabbed title'], want: { title: 'Tabbed title' } },
    { name: 'nested blocked note', lines: ['- Gen', '  1. Blocked: HTTP 402'], want: { blockedReason: 'HTTP 402' } },
  ];
  for (const { name, lines, want } of cases) {
    test(name, () => {
      const card = cardOf(...lines);
      const got = Object.fromEntries(Object.keys(want).map((k) => [k, card[k as keyof Card]]));
      assert.deepEqual(got, want);
      assert.equal(card.endLine, 1 + lines.length);
    });
  }
  test('titles read in place agree with readHead on every card line, owners read later too', () => {
    // The parser reads a bold title in place and the owner only when asked; `readHead` reads
    // the whole line at once. Tricky lines: bold runs, dashes inside bold, CR, markers, hyphens.
    const tricky = ['- ****x** — Ana', '- **a — Bob**', '- **a** - Bob', '- **a**\r', '- **x <!-- q:abc --> y** — Zoe', '- ** spaced ** — Q',
      '- **a\u2028b** c — Dee', '- ***a** b -- Eve', '- **a**', '- **', '- **a** **HTTP 402** -- Ann Lee', '- **a**-- b', '- **é** — Éva'];
    const texts = [
      `## Blocked\n${tricky.join('\n')}\n`,
      ...fixtureNames.map((n) => read(FIXTURES, n)),
      read(SEEDS, 'KANBAN.seed.md'),
      ...Array.from({ length: 500 }, (_, i) => generateBoard(i + 1).text),
    ];
    let bold = 0;
    for (const text of texts) {
      for (const card of _parseFresh(text).cards) {
        const first = card.text.replace(/\r?\n[\s\S]*$/, '');
        const head = readHead(first.slice(matchListItem(first)!.textStart));
        if (first.slice(matchListItem(first)!.textStart).startsWith('**')) bold++;
        assert.deepEqual([card.title, card.marker, card.owner], [head.title, head.marker, head.owner?.name ?? null], JSON.stringify(first));
        if (!card.marker) assert.equal(card.id.replace(/-\d+$/, ''), deriveId(head.title), JSON.stringify(first));
      }
    }
    assert.ok(bold > 1000, `only ${bold} bold titles were tried`);
  });
  test('byte offsets are right whatever order the cards are asked in', () => {
    const { text } = generateBoard(7);
    const cards = _parseFresh(text).cards;
    const order = [...cards.keys()].reverse().concat([...cards.keys()].filter((n) => n % 3 === 0));
    for (const n of order) {
      const card = cards[n]!;
      assert.deepEqual(card.bytes, { start: Buffer.byteLength(text.slice(0, card.span.start)), end: Buffer.byteLength(text.slice(0, card.span.end)) });
    }
  });
  test('an inline bold reason counts only in Blocked', () => {
    const text = '## Doing\n- Gen: **HTTP 402** x\n## Blocked\n- Gen: **HTTP 402** x\n- **Title** only\n';
    assert.deepEqual(parseBoard(text).cards.map((c) => c.blockedReason), [null, 'HTTP 402', null]);
  });
});

describe('slash commands', () => {
  const cases: Array<[string, string[] | null]> = [
    ['- Audit `/data audit "my file.jsonl" --json`', ['data', 'audit', 'my file.jsonl', '--json']],
    ["- `/board note 'Write recipe' \"say \\\"hi\\\"\"`", ['board', 'note', 'Write recipe', 'say "hi"']],
    ['- Path `/usr/bin/env` is no command', null],
    ['- Code `npm test` is no command', null],
    ['- First wins `/usr/lib` then `/doctor notes.md --fix` and `/board show`', ['doctor', 'notes.md', '--fix']],
  ];
  for (const [line, argv] of cases) {
    test(line, () => assert.deepEqual(cardOf(line).command?.argv ?? null, argv));
  }
  test('an unclosed quote is an error, not argv', () => {
    const command = cardOf('- Bad `/data audit "x.jsonl`').command!;
    assert.deepEqual([command.raw, command.argv, command.error], ['/data audit "x.jsonl', [], 'unclosed " quote in "data audit "x.jsonl"']);
  });
  const words: Array<[string, string[]]> = [
    ['a  b\tc', ['a', 'b', 'c']],
    [`'it''s' "x y" z\\ w`, ['its', 'x y', 'z w']],
    ['"" \'\'', ['', '']],
    ['"a\\nb" \'a\\b\'', ['a\\nb', 'a\\b']],
  ];
  for (const [line, want] of words) test(`splitWords ${line}`, () => assert.deepEqual(splitWords(line), want));
  test('parseSlashCommand keeps raw', () => {
    assert.deepEqual(parseSlashCommand(' /board show --json '), { raw: ' /board show --json ', argv: ['board', 'show', '--json'], error: null });
  });
});

/** Checks that regions partition the text and that card spans agree with lines and bytes. */
function checkSpans(board: Board, label: string): void {
  const { text } = board;
  let at = 0;
  for (const region of board.regions) {
    assert.equal(region.span.start, at, `${label}: gap or overlap at ${at}`);
    assert.ok(region.span.end > region.span.start, `${label}: empty region at ${at}`);
    at = region.span.end;
  }
  assert.equal(at, text.length, `${label}: regions stop at ${at} of ${text.length}`);
  const lineStarts = [0, ...[...text.matchAll(/\n/g)].map((m) => m.index + 1)];
  for (const card of board.cards) {
    assert.equal(text.slice(card.span.start, card.span.end), card.text, label);
    assert.equal(card.bytes.start, Buffer.byteLength(text.slice(0, card.span.start)), `${label}: byte start of ${card.id}`);
    assert.equal(card.bytes.end, Buffer.byteLength(text.slice(0, card.span.end)), `${label}: byte end of ${card.id}`);
    assert.equal(lineStarts[card.line - 1], card.span.start, `${label}: line of ${card.id}`);
    assert.ok(board.regions.some((r) => r.kind === 'card' && r.span.start === card.span.start && r.span.end === card.span.end), label);
  }
  assert.equal(board.regions.filter((r) => r.kind === 'card').length, board.cards.length, label);
  assert.equal(new Set(board.cards.map((c) => c.id)).size, board.cards.length, `${label}: ids not unique`);
}

describe('round trip', () => {
  const texts: Array<[string, string]> = [
    ...fixtureNames.map((n): [string, string] => [n, read(FIXTURES, n)]),
    ['KANBAN.seed.md', read(SEEDS, 'KANBAN.seed.md')],
    ['KANBAN.clean.md', read(SEEDS, 'KANBAN.clean.md')],
    ['empty', ''],
    ['only a heading, no break', '## Done'],
    ['no columns', '# Notes\n- a\n'],
  ];
  for (const [name, text] of texts) {
    test(`${name}: serialize(parse(text)) === text, regions and spans`, () => {
      const board = parseBoard(text);
      assert.equal(serializeBoard(board), text);
      checkSpans(board, name);
    });
  }
  test('3000 generated boards round-trip byte for byte with consistent spans', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const { text } = generateBoard(seed);
      const board = parseBoard(text);
      assert.equal(serializeBoard(board), text, `seed ${seed}`);
      checkSpans(board, `seed ${seed}`);
    }
  });
  test('3000 generated boards parse to the columns and cards they were built from', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const gen = generateBoard(seed);
      const board = parseBoard(gen.text);
      const got = board.columns.map((c) => ({
        kind: c.kind,
        heading: c.heading,
        cards: c.cards.map((k) => ({ title: k.title, owner: k.owner, checkbox: k.checkbox, marker: k.marker, mentions: k.mentions, after: k.after, lineCount: k.endLine - k.line + 1 })),
      }));
      assert.deepEqual(got, gen.columns, `seed ${seed}`);
      assert.equal(board.obsidian, gen.obsidian, `seed ${seed}`);
      assert.equal(board.lastSynced?.value ?? null, gen.synced, `seed ${seed}`);
      assert.deepEqual(board.others.filter((o) => o.level === 2).map((o) => o.heading), gen.others, `seed ${seed}`);
      if (!gen.mixedEol) assert.equal(board.eol, gen.eol, `seed ${seed}`);
    }
  });
});

describe('fixtures', () => {
  test('obsidian.md: lanes, checkboxes, and the settings block outside every lane', () => {
    const text = read(FIXTURES, 'obsidian.md');
    const board = parseBoard(text);
    assert.equal(board.obsidian, true);
    assert.deepEqual(counts(board), [['backlog', 2], ['in_progress', 1], ['done', 1]]);
    assert.deepEqual(board.cards.map((c) => [c.title, c.checkbox, c.owner]), [
      ['Audit TOEFL followups @codex', 'open', null],
      ['Mix Stage 1', 'open', 'Petrarch'],
      ['Clean concat `/data clean data/toefl.jsonl --out data/toefl.clean.jsonl`', 'open', 'Quimbot'],
      ['Write build recipe [[Build recipe]]', 'done', null],
    ]);
    assert.deepEqual(board.cards[1]!.after, ['Audit TOEFL followups']);
    assert.deepEqual(board.cards[2]!.command?.argv, ['data', 'clean', 'data/toefl.jsonl', '--out', 'data/toefl.clean.jsonl']);
    assert.deepEqual(board.cards[3]!.links, ['Build recipe']);
    const done = board.columns.at(-1)!;
    assert.equal(text.slice(done.span.end, done.span.end + 18), '%% kanban:settings');
    assert.deepEqual(board.regions[0], { kind: 'front-matter', span: { start: 0, end: 31 } });
  });
  test('crlf-bom.md: CRLF, BOM, aliases and trailing spaces', () => {
    const text = read(FIXTURES, 'crlf-bom.md');
    assert.equal(text.charCodeAt(0), 0xfeff);
    const board = parseBoard(text);
    assert.equal(board.eol, '\r\n');
    assert.deepEqual(counts(board), [['backlog', 2], ['in_progress', 1], ['done', 1]]);
    assert.deepEqual(board.columns.map((c) => c.heading), ['To Do', 'WIP (2)', 'Completed']);
    assert.deepEqual(board.others.map((o) => [o.heading, o.level, o.span.start]), [['Team board', 1, 1]]);
    assert.deepEqual(board.cards.map((c) => [c.title, c.owner, c.blockedReason]), [
      ['Stage 2 learner variants', null, null],
      ['Evaluation framework', 'Ada Lovelace', null],
      ['Dedup Superset 3', 'Quimbot', 'waiting on hashes'],
      ['Audit snapshot', null, null],
    ]);
    assert.equal(board.cards[1]!.text, '- Evaluation framework — Ada Lovelace  \r\n  - after: Stage 2 learner variants\r\n');
  });
  test('mixed.md: bullets, ordinals, tabs, code in a card, sub-heading lists, unknown sections', () => {
    const board = parseBoard(read(FIXTURES, 'mixed.md'));
    assert.deepEqual(counts(board), [['backlog', 3], ['in_progress', 2], ['review', 1], ['done', 1]]);
    assert.deepEqual(board.cards.map((c) => [c.title, c.endLine - c.line + 1]), [
      ['Run Stage 1 LoRA training', 1], ['Evaluation harness', 3], ['Card with code', 7],
      ['Dedup Superset 3', 1], ['Concat TOEFL `/data concat "data/toefl a.jsonl" data/toefl_b.jsonl --json`', 2],
      ['Check ratios', 1], ['Build recipe written', 1],
    ]);
    assert.deepEqual(board.cards.map((c) => c.mentions), [[], ['petrarch'], [], [], [], [], []]);
    assert.deepEqual(board.cards[1]!.after, ['Run Stage 1 LoRA training']);
    assert.deepEqual(board.cards[4]!.command?.argv, ['data', 'concat', 'data/toefl a.jsonl', 'data/toefl_b.jsonl', '--json']);
    assert.deepEqual(board.others.map((o) => [o.heading, o.level]), [['Mixed board', 1], ['Ideas', 2], ['Notes on done work', 2]]);
    assert.equal(board.lastSynced?.value, '2026-03-01 09:00 UTC');
  });
});

describe('edge cases', () => {
  test('a BOM before a first-line column heading', () => {
    const board = parseBoard('\uFEFF## Backlog\r\n- a\r\n');
    assert.deepEqual(counts(board), [['backlog', 1]]);
    assert.equal(board.columns[0]!.span.start, 1);
  });
  test('an unclosed fence in a card ends with the card', () => {
    const board = parseBoard('## Backlog\n- a\n  ```\n  - [ ] code\n## Done\n- b\n');
    assert.deepEqual(counts(board), [['backlog', 1], ['done', 1]]);
    assert.deepEqual([board.cards[0]!.line, board.cards[0]!.endLine], [2, 4]);
  });
  test('an unclosed fence outside a card runs to the end', () => {
    assert.deepEqual(counts(parseBoard('## Backlog\n```\n- x\n## Done\n- b\n')), [['backlog', 0]]);
  });
  test('headings and items inside a top-level fence are not read', () => {
    const board = parseBoard('## Notes\n~~~\n## Done\n- x\n~~~\n## Done\n- y\n');
    assert.deepEqual([counts(board), board.cards[0]!.title], [[['done', 1]], 'y']);
  });
  test('thematic breaks are not cards; a blank line keeps a card open for nested lines', () => {
    const board = parseBoard('## Backlog\n- a\n\n  - more\n* * *\n- - -\n- b\n');
    assert.deepEqual(board.cards.map((c) => [c.title, c.line, c.endLine]), [['a', 2, 4], ['b', 7, 7]]);
  });
  test('front matter is not parsed; only the first _Last synced_ counts', () => {
    const board = parseBoard('---\ntitle: x\n---\n_Last synced: one_\n## Done\n_Last synced: two_\n');
    assert.deepEqual([board.obsidian, board.lastSynced?.value, board.regions[0]!.span], [false, 'one', { start: 0, end: 17 }]);
  });
});

describe('fields shared between parses', () => {
  test('the same card text reads by its column: a bold reason is a blocked reason only in Blocked', () => {
    const card = '- **Fine-tune run** **HTTP 402 Payment Required** — Quimbot\n';
    const blocked = parseBoard(`## Blocked\n${card}`).cards[0]!;
    const backlog = parseBoard(`## Backlog\n${card}`).cards[0]!;
    assert.equal(blocked.blockedReason, 'HTTP 402 Payment Required');
    assert.equal(backlog.blockedReason, null);
    assert.equal(blocked.id, backlog.id);
  });

  test('a repeated card text still gets its own id, line and offsets', () => {
    const board = parseBoard('## Backlog\n- Same card @Codex\n- Same card @Codex\n');
    assert.deepEqual(
      board.cards.map((c) => [c.id.endsWith('-2'), c.line, c.span.start, c.mentions]),
      [
        [false, 2, 11, ['Codex']],
        [true, 3, 30, ['Codex']],
      ],
    );
  });

  test('repeated ids take the first free suffix, after markers, however many repeats', () => {
    assert.deepEqual(assignIds(['x-2', null, null, null, 'y'], ['', 'x', 'x', 'x', '']), ['x-2', 'x', 'x-3', 'x-4', 'y']);
    const many = Array.from({ length: 20_000 }, () => 'same');
    const ids = assignIds(many.map(() => null), many);
    assert.deepEqual([ids[0], ids[1], ids.at(-1), new Set(ids).size], ['same', 'same-2', 'same-20000', 20_000]);
  });
  test('allDistinct agrees with a Set, repeats anywhere and hash meetings included', () => {
    const next = rng(5);
    for (let round = 0; round < 300; round++) {
      // Few different characters and lengths: many strings share a hash slot or repeat.
      const strings = Array.from({ length: Math.floor(next() * 60) }, () => Array.from({ length: 1 + Math.floor(next() * 3) }, () => 'ab'[Math.floor(next() * 2)]).join(''));
      assert.equal(allDistinct(strings), new Set(strings).size === strings.length, JSON.stringify(strings));
    }
    assert.equal(allDistinct([]), true);
    assert.equal(allDistinct(Array.from({ length: 10_000 }, (_, i) => deriveId(`card ${i}`))), true);
  });
  test('parsing an equal text again gives the same result as the first time', () => {
    const text = '## Doing\n- [ ] **Audit** `/data audit a.jsonl` — Quimbot\n  - after: Clean\n';
    const first = JSON.stringify(parseBoard(text));
    parseBoard('## Done\n- other\n');
    parseBoard('## Done\n- another\n');
    assert.equal(JSON.stringify(parseBoard(`${text}`)), first);
    assert.equal(JSON.stringify(parseBoard(text.replace('Doing', 'Review'))).includes('"column":"review"'), true);
  });
});

describe('incremental parse', () => {
  // Lines that change how the lines after them read: fences, comments, headings, nesting, CRLF.
  const TRICKY = ['```\n', '  ```\n', '~~~~\n', '%%\n', '%% kanban:settings\n', '## Done\n', '# Title\n', '## Notes\n', '### Sub\n',
    '_Last synced: later_\n', '- [ ] new card\n', '  - nested note @codex\n', '    deeper\n', '\n', '- Same title\n', '- **Run x** — Ada\r\n', '---\n'];

  /** A random edit: lines replaced by other lines, or a few characters inserted or removed. */
  function edit(text: string, donor: readonly string[], next: () => number): string {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const lines = text.split(/(?<=\n)/);
    const at = Math.floor(next() * (lines.length + 1));
    const r = next();
    if (r < 0.5) {
      const removed = Math.floor(next() * 3);
      const added = Array.from({ length: Math.floor(next() * 3) }, () => (next() < 0.5 ? pick(TRICKY) : pick(donor)));
      lines.splice(at, removed, ...added);
      return lines.join('');
    }
    const offset = Math.floor(next() * (text.length + 1));
    if (r < 0.75) return text.slice(0, offset) + pick([' ', '\n', '*', '`', '- ', '#', '@x', '\r\n']) + text.slice(offset);
    return text.slice(0, offset) + text.slice(offset + 1 + Math.floor(next() * 4));
  }

  test('a board parsed with a known change, less than all that is unchanged, equals a parse from scratch', () => {
    // An edit tells the parser where its patches start and end; unchanged text may lie inside.
    const next = rng(77);
    let knownChanges = 0;
    for (let seed = 1; seed <= 300; seed++) {
      let text = generateBoard(seed).text;
      let board = parseBoard(text);
      const donor = generateBoard(seed + 200_000).text.split(/(?<=\n)/);
      for (let step = 0; step < 6; step++) {
        const changed = edit(text, donor, next);
        const exact = changeOf(Rope.of(text), Rope.of(changed));
        const less = (n: number) => Math.max(0, n - Math.floor(next() * 40));
        const change = { prefix: less(exact.prefix), suffix: less(exact.suffix) };
        board = _parseChanged(board, changed, change);
        assert.deepEqual(plain(board), plain(_parseFresh(changed)), `seed ${seed}, step ${step}`);
        // A write encodes only that change (a surrogate pair it cuts is encoded whole). It is
        // known unless the board was parsed from scratch (a change before its first card).
        const known = changeSince(text, changed);
        if (known) {
          assert.deepEqual(known.change, change);
          assert.ok(Buffer.concat(encodeChange(known.before, [Buffer.from(text)], known.after, known.change)).equals(Buffer.from(changed)), `seed ${seed}, step ${step}: bytes`);
          knownChanges++;
        }
        assert.ok(Buffer.concat(encodeChange(new Utf8Offsets(Rope.of(text)), [Buffer.from(text)], Rope.of(changed))).equals(Buffer.from(changed)), `seed ${seed}, step ${step}: bytes`);
        text = changed;
      }
    }
    assert.ok(knownChanges > 1000, `only ${knownChanges} changes were known`);
  });
  /** `text` with the patches applied, joined from its parts. */
  function applied(text: string, patches: readonly Patch[]): string {
    let out = '';
    let at = 0;
    for (const patch of patches) {
      out += text.slice(at, patch.start) + patch.insert;
      at = patch.end;
    }
    return out + text.slice(at);
  }

  /** Patches at two to four places, apart: lines replaced by other lines, or a few characters inserted or removed. */
  function patchesOf(text: string, donor: readonly string[], next: () => number): Patch[] {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const lineStart = (at: number) => text.lastIndexOf('\n', at - 1) + 1;
    const lineEnds = (from: number, lines: number) => {
      let end = from;
      for (let n = 0; n < lines && end < text.length; n++) end = text.indexOf('\n', end) === -1 ? text.length : text.indexOf('\n', end) + 1;
      return end;
    };
    const patches: Patch[] = [];
    let after = 0;
    for (const at of Array.from({ length: 2 + Math.floor(next() * 3) }, () => Math.floor(next() * (text.length + 1))).sort((a, b) => a - b)) {
      const r = next();
      let patch: Patch;
      if (r < 0.5) {
        const start = lineStart(at);
        const insert = Array.from({ length: Math.floor(next() * 3) }, () => (next() < 0.5 ? pick(TRICKY) : pick(donor))).join('');
        patch = { start, end: lineEnds(start, Math.floor(next() * 3)), insert };
      } else if (r < 0.75) {
        patch = { start: at, end: at, insert: pick([' ', '\n', '*', '`', '- ', '#', '@x', '\r\n']) };
      } else {
        patch = { start: at, end: Math.min(text.length, at + 1 + Math.floor(next() * 4)), insert: '' };
      }
      if (patch.start < after) continue;
      patches.push(patch);
      after = patch.end + 1;
    }
    return patches;
  }

  test('a board changed at several places, parsed with its hunks, equals a parse from scratch', () => {
    // A move is two patches (its removal and its insertion): the cards between them are only moved.
    const next = rng(4242);
    for (let seed = 1; seed <= 400; seed++) {
      let text = generateBoard(seed).text;
      let board = parseBoard(text);
      const donor = generateBoard(seed + 300_000).text.split(/(?<=\n)/);
      for (let step = 0; step < 6; step++) {
        // As an edit does it: the text kept as pieces of the one before and the inserts.
        const patches = patchesOf(text, donor, next);
        board = parsePatched(board, patches);
        const changed = board.text;
        assert.equal(changed, applied(text, patches));
        assert.deepEqual(plain(board), plain(_parseFresh(changed)), `seed ${seed}, step ${step}`);
        const known = changeSince(text, changed);
        if (known) {
          assert.deepEqual(known.change, changeOfPatches(text.length, patches));
          assert.ok(Buffer.concat(encodeChange(known.before, [Buffer.from(text)], known.after, known.change)).equals(Buffer.from(changed)), `seed ${seed}, step ${step}: bytes`);
        }
        text = changed;
      }
    }
  });
  test('a long board changed so that a scan reads far past the change equals a parse from scratch', () => {
    // An edit that opens a fence or a comment is read on to where it closes, past what is read at first.
    const next = rng(31);
    const donor = ['```\n', '%%\n', '~~~~\n', '## Done\n', '- [ ] new card\n'];
    for (let round = 0; round < 4; round++) {
      let text = Array.from({ length: 40 }, (_, i) => generateBoard(round * 40 + i + 1).text).join('');
      let board = parseBoard(text);
      for (let step = 0; step < 12; step++) {
        board = parsePatched(board, patchesOf(text, donor, next));
        text = board.text;
        assert.deepEqual(plain(board), plain(_parseFresh(text)), `round ${round}, step ${step}`);
      }
    }
  });

  test('byte offsets are counted from marks that cut no surrogate pair', () => {
    // Every character a pair, after one that is not: a mark every 2^14 characters would cut one.
    const text = `x${'🚀'.repeat(40_000)}`;
    const offsets = new Utf8Offsets(Rope.of(text));
    for (const at of [80_001, 1, 16_385, 32_769, 50_001, 3, 70_001]) assert.equal(offsets.at(at), 1 + 4 * ((at - 1) / 2), `offset ${at}`);
    const changed = offsets.changed(Rope.of(`${text}🚁`), [{ start: text.length, end: text.length, length: 2 }]);
    for (const at of [80_003, 16_387, 1]) assert.equal(changed.at(at), 1 + 4 * ((at - 1) / 2), `offset ${at}`);
  });
  test('byte offsets counted from marks moved along a chain of changes are the text\'s', () => {
    // A text long enough to be marked (every few thousand characters), emoji and all.
    const next = rng(99);
    let text = Array.from({ length: 200 }, (_, i) => generateBoard(i + 1).text).join('');
    assert.ok(text.length > 100_000, `${text.length} characters`);
    const donor = generateBoard(7).text.split(/(?<=\n)/);
    let offsets = new Utf8Offsets(Rope.of(text));
    for (let step = 0; step < 60; step++) {
      const starts = [0, ...Array.from(text.matchAll(/\n/g), (m) => m.index + 1)];
      for (let k = 0; k < 40; k++) {
        const at = starts[Math.floor(next() * starts.length)]!;
        assert.equal(offsets.at(at), Buffer.byteLength(text.slice(0, at)), `step ${step}, offset ${at}`);
      }
      // Some changes cut a surrogate pair: an emoji's second half replaced (🚀 to 🚁).
      const rocket = text.indexOf('🚀', Math.floor(next() * text.length));
      const patches = next() < 0.3 && rocket !== -1 ? [{ start: rocket + 1, end: rocket + 2, insert: '\uDE81' }] : patchesOf(text, donor, next);
      const rope = offsets.rope.patched(patches);
      const change = changeOfPatches(text.length, patches);
      assert.ok(Buffer.concat(encodeChange(offsets, [Buffer.from(text)], rope, change)).equals(Buffer.from(rope.text)), `step ${step}: bytes`);
      offsets = offsets.changed(rope, change.hunks!);
      text = rope.text;
    }
  });
  test('a board parsed as a change of the one before equals a parse from scratch', () => {
    const next = rng(2024);
    for (let seed = 1; seed <= 600; seed++) {
      let text = generateBoard(seed).text;
      const donor = generateBoard(seed + 100_000).text.split(/(?<=\n)/);
      parseBoard(text);
      for (let step = 0; step < 6; step++) {
        const changed = edit(text, donor, next);
        // As JSON: every card field, the ones read on first use too.
        assert.deepEqual(plain(parseBoard(changed)), plain(_parseFresh(changed)), `seed ${seed}, step ${step}`);
        text = changed;
      }
    }
  });
});
