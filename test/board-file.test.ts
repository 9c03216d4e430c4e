import assert from 'node:assert/strict';
import fs, { chmodSync, closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { BoardError, BoardFile, contentHash, deriveId, parseBoard } from '../src/board/index.ts';
import type { BoardLog, Edit } from '../src/board/index.ts';
import { encodeChange } from '../src/board/change.ts';
import { Rope } from '../src/board/rope.ts';
import { Utf8Offsets } from '../src/board/utf8-offsets.ts';
import { hashPieces, piecesLength, samePieces, slicePieces, writePieces } from '../src/board/pieces.ts';

const BOARD = `# Board

## Backlog
- **Audit TOEFL** (\`/data audit data/toefl.jsonl\`)
  - 12 rows flagged
- **Dedup Pilot** 🚀

## In Progress
- **Write build recipe** — Quimbot

## Done
- Shipped thing

## Notes
- keep me${'  '}
`;

/** Card ids of BOARD, derived from the titles. */
const AUDIT = deriveId('Audit TOEFL');
const DEDUP = deriveId('Dedup Pilot');
const RECIPE = deriveId('Write build recipe');

/** BOARD after moving Audit to In Progress, assigning Dedup to Petrarch and noting the recipe. */
const EDITED = `# Board

## Backlog
- **Dedup Pilot** 🚀 — Petrarch <!-- q:${DEDUP} -->

## In Progress
- **Write build recipe** — Quimbot <!-- q:${RECIPE} -->
  - counts: 3 supersets
- **Audit TOEFL** (\`/data audit data/toefl.jsonl\`) <!-- q:${AUDIT} -->
  - 12 rows flagged

## Done
- Shipped thing

## Notes
- keep me${'  '}
`;

const EDITS: Edit[] = [
  { kind: 'move', card: AUDIT, to: 'in_progress', expect: { column: 'backlog' } },
  { kind: 'assign', card: DEDUP, owner: 'Petrarch' },
  { kind: 'note', card: RECIPE, text: 'counts: 3 supersets' },
];

/** A board file in a fresh temp dir, removed after the test. */
function tempBoard(t: TestContext, content: string | Uint8Array = BOARD): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'quimbot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'KANBAN.md');
  writeFileSync(path, content);
  return { dir, path };
}

function recorder(): { log: BoardLog; events: Array<Parameters<BoardLog>[0]> } {
  const events: Array<Parameters<BoardLog>[0]> = [];
  return { log: (event) => events.push(event), events };
}

function boardError(code: string, ...fragments: string[]) {
  return (error: unknown) => {
    assert.ok(error instanceof BoardError, `expected a BoardError, got ${String(error)}`);
    assert.equal(error.code, code);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" should name ${fragment}`);
    return true;
  };
}

/**
 * Runs `race` right after `update`'s rename of the board, the moment another writer could act:
 * a stand-in for a process that was scheduled exactly then.
 */
async function withRaceAfterRename<T>(path: string, race: () => void, run: () => Promise<T>): Promise<T> {
  const rename = fs.renameSync;
  let raced = false;
  fs.renameSync = (from, to) => {
    rename(from, to);
    if (to === path && !raced) {
      raced = true;
      race();
    }
  };
  syncBuiltinESMExports();
  try {
    const result = await run();
    assert.ok(raced, 'the race ran');
    return result;
  } finally {
    fs.renameSync = rename;
    syncBuiltinESMExports();
  }
}

describe('BoardFile.update', () => {
  test('applies a move, an assignment and a note as minimal patches', async (t) => {
    const { dir, path } = tempBoard(t);
    chmodSync(path, 0o640);
    const outcome = await new BoardFile(path).update(EDITS);
    assert.equal(readFileSync(path, 'utf8'), EDITED);
    assert.equal(outcome.written, true);
    assert.equal(outcome.attempts, 1);
    assert.deepEqual(outcome.dropped, []);
    assert.deepEqual(
      outcome.applied.map((a) => a.cardId),
      [AUDIT, DEDUP, RECIPE],
    );
    assert.equal(outcome.board.text, EDITED);
    assert.equal(outcome.board.cards.find((c) => c.id === AUDIT)?.column, 'in_progress');
    assert.equal(statSync(path).mode & 0o7777, 0o640);
    assert.deepEqual(readdirSync(dir), ['KANBAN.md'], 'no temp files left behind');
  });

  for (const mode of [0o600, 0o640, 0o664, 0o666]) {
    test(`keeps file mode ${mode.toString(8)} whatever the umask`, async (t) => {
      const { path } = tempBoard(t);
      chmodSync(path, mode);
      await new BoardFile(path).update([{ kind: 'note', card: DEDUP, text: 'mode kept' }]);
      assert.equal(statSync(path).mode & 0o7777, mode);
    });
  }

  test('keeps CRLF, a BOM and untouched bytes exactly', async (t) => {
    const crlf = `\uFEFF${BOARD.replaceAll('\n', '\r\n')}`;
    const { path } = tempBoard(t, crlf);
    await new BoardFile(path).update([{ kind: 'note', card: RECIPE, text: 'counts: 3 supersets' }]);
    const expected = crlf.replace(
      '- **Write build recipe** — Quimbot\r\n',
      `- **Write build recipe** — Quimbot <!-- q:${RECIPE} -->\r\n  - counts: 3 supersets\r\n`,
    );
    assert.equal(readFileSync(path, 'utf8'), expected);
  });

  test('writes nothing when the board already says so', async (t) => {
    const { path } = tempBoard(t);
    const file = new BoardFile(path);
    await file.update(EDITS);
    const { mtimeMs, ino } = statSync(path);
    const again = await file.update(EDITS.slice(1));
    assert.equal(again.written, false);
    assert.equal(readFileSync(path, 'utf8'), EDITED);
    assert.deepEqual([statSync(path).mtimeMs, statSync(path).ino], [mtimeMs, ino]);
  });

  test('a missing file is FILE_NOT_FOUND naming the path', async (t) => {
    const { dir } = tempBoard(t);
    const path = join(dir, 'nope', 'KANBAN.md');
    await assert.rejects(new BoardFile(path).read(), boardError('FILE_NOT_FOUND', path));
    await assert.rejects(new BoardFile(path).update(EDITS), boardError('FILE_NOT_FOUND', path));
    assert.deepEqual(readdirSync(dir), ['KANBAN.md']);
  });

  test('a file with a NUL byte is BINARY_FILE naming path and line', async (t) => {
    const { path } = tempBoard(t, Buffer.concat([Buffer.from('## Backlog\n- a\n- b'), Buffer.from([0, 1, 2]), Buffer.from('\n')]));
    await assert.rejects(new BoardFile(path).read(), boardError('BINARY_FILE', `${path}:3:`));
    await assert.rejects(new BoardFile(path).update(EDITS), (error: unknown) => {
      assert.ok(error instanceof BoardError);
      assert.deepEqual(error.details, { path, line: 3 });
      return true;
    });
  });

  test('bytes it wrote are not checked again when read back, but a NUL an edit wrote is still BINARY_FILE', async (t) => {
    const { path } = tempBoard(t);
    const file = new BoardFile(path);
    await file.update([EDITS[0]!]);
    await file.update([EDITS[1]!]);
    await file.update([{ kind: 'note', card: RECIPE, text: 'a\u0000b' }]);
    await assert.rejects(file.update([EDITS[2]!]), boardError('BINARY_FILE', path));
  });

  test('Markdown without a column is NOT_A_BOARD', async (t) => {
    const { path } = tempBoard(t, '# Notes\n\n## Ideas\n- a list, not a board\n');
    await assert.rejects(new BoardFile(path).read(), boardError('NOT_A_BOARD', path));
    await assert.rejects(new BoardFile(path).update([{ kind: 'note', card: 'x', text: 'y' }]), boardError('NOT_A_BOARD', path));
    await assert.rejects(new BoardFile(path).update([]), boardError('NOT_A_BOARD', path));
    assert.equal(readFileSync(path, 'utf8'), '# Notes\n\n## Ideas\n- a list, not a board\n');
  });

  test('invalid UTF-8 can be read but not edited, and nothing is written', async (t) => {
    // A cp1252 em dash (0x97) on line 5, the way Windows tools write it.
    const bytes = Buffer.concat([Buffer.from(BOARD.slice(0, BOARD.indexOf('- **Dedup'))), Buffer.from('- **Dedup Pilot** \x97 Ana\n', 'latin1')]);
    const { dir, path } = tempBoard(t, bytes);
    const before = statSync(path);
    const board = await new BoardFile(path).read();
    assert.equal(board.cards.length, 2);
    assert.ok(board.cards[1]!.text.includes('\uFFFD'));
    await assert.rejects(new BoardFile(path).update(EDITS), boardError('NOT_UTF8', `${path}:6:`, 'doctor'));
    assert.deepEqual(readFileSync(path), bytes);
    assert.equal(statSync(path).mtimeMs, before.mtimeMs);
    assert.equal(statSync(path).ino, before.ino);
    assert.deepEqual(readdirSync(dir), ['KANBAN.md']);
  });

  test('drops an edit whose card a human moved, logs why, and keeps the rest', async (t) => {
    const { path } = tempBoard(t);
    const { log, events } = recorder();
    const outcome = await new BoardFile(path, log).update([
      { kind: 'move', card: AUDIT, to: 'done', expect: { column: 'in_progress' } },
      { kind: 'assign', card: DEDUP, owner: 'Petrarch' },
    ]);
    assert.equal(outcome.written, true);
    assert.equal(outcome.dropped.length, 1);
    assert.equal(outcome.dropped[0]!.reason, 'CARD_MOVED');
    assert.deepEqual(outcome.dropped[0]!.edit, { kind: 'move', card: AUDIT, to: 'done', expect: { column: 'in_progress' } });
    assert.match(outcome.dropped[0]!.message, /moved to backlog \(expected in_progress\)/);
    assert.equal(
      readFileSync(path, 'utf8'),
      BOARD.replace('- **Dedup Pilot** 🚀\n', `- **Dedup Pilot** 🚀 — Petrarch <!-- q:${DEDUP} -->\n`),
    );
    const warning = events.find((e) => e.reason === 'CARD_MOVED');
    assert.ok(warning, 'the drop is logged');
    assert.equal(warning.level, 'warn');
    assert.match(warning.message, new RegExp(`edit dropped: card ${AUDIT} was moved`));
  });

  test('drops an edit whose card a human deleted, even when nothing else is written', async (t) => {
    const deleted = BOARD.replace('- **Dedup Pilot** 🚀\n', '');
    const { path } = tempBoard(t, deleted);
    const { log, events } = recorder();
    const outcome = await new BoardFile(path, log).update([{ kind: 'note', card: DEDUP, text: 'done' }]);
    assert.equal(outcome.written, false);
    assert.deepEqual(
      outcome.dropped.map((d) => d.reason),
      ['CARD_GONE'],
    );
    assert.deepEqual(
      events.map((e) => e.reason),
      ['CARD_GONE'],
    );
    assert.equal(readFileSync(path, 'utf8'), deleted);
  });

  test('an invalid edit stops the update and writes nothing', async (t) => {
    const { dir, path } = tempBoard(t);
    await assert.rejects(
      new BoardFile(path).update([EDITS[0]!, { kind: 'assign', card: DEDUP, owner: 'not a valid owner name' }]),
      boardError('INVALID_EDIT'),
    );
    assert.equal(readFileSync(path, 'utf8'), BOARD);
    assert.deepEqual(readdirSync(dir), ['KANBAN.md']);
  });

  test('concurrent updates of one file object both land', async (t) => {
    const { path } = tempBoard(t);
    const file = new BoardFile(path);
    await Promise.all(EDITS.map((edit) => file.update([edit])));
    assert.equal(readFileSync(path, 'utf8'), EDITED);
  });
});

describe('BoardFile.update: a burst shares writes', () => {
  test('updates asked for during a write go together in the next one, each told only of its own edits', async (t) => {
    const { path } = tempBoard(t);
    const file = new BoardFile(path);
    let renames = 0;
    const rename = fs.renameSync;
    fs.renameSync = ((from: fs.PathLike, to: fs.PathLike) => {
      renames++;
      return rename(from, to);
    }) as typeof fs.renameSync;
    syncBuiltinESMExports();
    try {
      const adds = Array.from({ length: 20 }, (_, i) => file.update([{ kind: 'add', title: `Burst ${i}`, column: 'backlog' }]));
      // A move whose expectation no longer holds: dropped, and reported to its caller only.
      const stale = file.update([{ kind: 'move', card: AUDIT, to: 'done', expect: { column: 'review' } }]);
      const outcomes = await Promise.all(adds);
      const staleOutcome = await stale;
      assert.ok(renames <= 3, `${renames} writes for 21 updates`);
      outcomes.forEach((outcome, i) => {
        assert.deepEqual(outcome.applied.map((a) => a.cardId), [deriveId(`Burst ${i}`)]);
        assert.deepEqual([outcome.dropped, outcome.written], [[], true]);
      });
      assert.deepEqual([staleOutcome.applied, staleOutcome.written], [[], false]);
      assert.equal(staleOutcome.dropped.length, 1);
      const board = parseBoard(readFileSync(path, 'utf8'));
      assert.deepEqual(board.cards.filter((c) => c.title.startsWith('Burst')).map((c) => c.title), Array.from({ length: 20 }, (_, i) => `Burst ${i}`));
      assert.equal(outcomes[19]!.board.text, readFileSync(path, 'utf8'));
    } finally {
      fs.renameSync = rename;
      syncBuiltinESMExports();
    }
  });

  test("one caller's bad edit fails that caller alone", async (t) => {
    const { path } = tempBoard(t);
    const file = new BoardFile(path);
    const first = file.update([{ kind: 'add', title: 'Before', column: 'backlog' }]);
    const good = file.update([{ kind: 'add', title: 'Good', column: 'backlog' }]);
    const bad = file.update([{ kind: 'assign', card: AUDIT, owner: 'A Very Long Owner Name' }]);
    const alsoGood = file.update([{ kind: 'note', card: AUDIT, text: 'still here' }]);
    await first;
    assert.equal((await good).written, true);
    await assert.rejects(bad, (error: BoardError) => error.code === 'INVALID_EDIT');
    assert.equal((await alsoGood).written, true);
    const text = readFileSync(path, 'utf8');
    assert.equal(text.match(/still here/g)?.length, 1);
    assert.equal(text.match(/- Good/g)?.length, 1);
  });
});

describe('BoardFile.update under a racing writer', () => {
  test('text appended into the replaced file is recovered', async (t) => {
    const { path } = tempBoard(t);
    const { log, events } = recorder();
    // The human's `echo >>` opened the old file before the rename and writes after it.
    const fd = openSync(path, 'a');
    t.after(() => closeSync(fd));
    const outcome = await withRaceAfterRename(
      path,
      () => writeSync(fd, '- appended by a human\n'),
      () => new BoardFile(path, log).update(EDITS),
    );
    assert.equal(readFileSync(path, 'utf8'), `${EDITED}- appended by a human\n`);
    assert.equal(outcome.attempts, 2);
    assert.deepEqual(outcome.dropped, [], 'our own first write is no conflict for the edits');
    assert.equal(outcome.applied.length, EDITS.length);
    assert.ok(events.some((e) => /changed during write/.test(e.message)));
  });

  test('text appended to the old file and to the new one are both kept', async (t) => {
    const { path } = tempBoard(t);
    const fd = openSync(path, 'a');
    t.after(() => closeSync(fd));
    const outcome = await withRaceAfterRename(
      path,
      () => {
        writeSync(fd, '- into the old file\n');
        fs.appendFileSync(path, '- into the new file\n');
      },
      () => new BoardFile(path).update(EDITS),
    );
    assert.equal(readFileSync(path, 'utf8'), `${EDITED}- into the old file\n- into the new file\n`);
    assert.deepEqual(outcome.dropped, []);
  });

  test('edits already in a file saved on top of ours are not reported as conflicts', async (t) => {
    const { dir, path } = tempBoard(t);
    const fd = openSync(path, 'a');
    t.after(() => closeSync(fd));
    const outcome = await withRaceAfterRename(
      path,
      () => {
        writeSync(fd, '- into the old file\n');
        // An editor that loaded our write saves it again with a change of its own.
        writeFileSync(join(dir, 'swap'), readFileSync(path, 'utf8').replace('- Shipped thing', '- Shipped thing!'));
        fs.renameSync(join(dir, 'swap'), path);
      },
      () => new BoardFile(path).update(EDITS),
    );
    assert.equal(readFileSync(path, 'utf8'), `${EDITED.replace('- Shipped thing', '- Shipped thing!')}- into the old file\n`);
    assert.deepEqual(outcome.dropped, []);
  });

  test('an edit dropped on the first attempt is still reported after a retry', async (t) => {
    const { path } = tempBoard(t);
    const fd = openSync(path, 'a');
    t.after(() => closeSync(fd));
    const outcome = await withRaceAfterRename(
      path,
      () => writeSync(fd, '- appended by a human\n'),
      () => new BoardFile(path).update([{ kind: 'move', card: AUDIT, to: 'done', expect: { column: 'review' } }, EDITS[1]!]),
    );
    assert.equal(outcome.attempts, 2);
    assert.deepEqual(
      outcome.dropped.map((d) => d.reason),
      ['CARD_MOVED'],
    );
  });

  test('a whole version saved in place into the replaced file wins, and the edits are re-applied', async (t) => {
    const { path } = tempBoard(t);
    const fd = openSync(path, 'r+');
    t.after(() => closeSync(fd));
    const human = BOARD.replace('- Shipped thing', '- Shipped thing, said the human');
    await withRaceAfterRename(
      path,
      () => {
        fs.ftruncateSync(fd, 0);
        writeSync(fd, human, 0);
      },
      () => new BoardFile(path).update(EDITS),
    );
    assert.equal(readFileSync(path, 'utf8'), EDITED.replace('- Shipped thing', '- Shipped thing, said the human'));
  });

  test('a rename-save of the old version right after the write is noticed on read-back and re-applied', async (t) => {
    const { dir, path } = tempBoard(t);
    const human = `${BOARD}- a human's line, saved from a stale buffer\n`;
    const { log, events } = recorder();
    const outcome = await withRaceAfterRename(
      path,
      () => {
        writeFileSync(join(dir, '.KANBAN.md.swp'), human);
        fs.renameSync(join(dir, '.KANBAN.md.swp'), path);
      },
      () => new BoardFile(path, log).update(EDITS),
    );
    assert.equal(readFileSync(path, 'utf8'), `${EDITED}- a human's line, saved from a stale buffer\n`);
    assert.equal(outcome.attempts, 2);
    assert.ok(events.some((e) => /overwritten before it could be read back/.test(e.message)));
    assert.deepEqual(readdirSync(dir), ['KANBAN.md']);
  });

  test('a human who moves the card before the retry wins: the edit is reported dropped', async (t) => {
    const { path } = tempBoard(t);
    const moved = BOARD.replace('- **Audit TOEFL** (`/data audit data/toefl.jsonl`)\n  - 12 rows flagged\n', '').replace(
      '- Shipped thing\n',
      '- Shipped thing\n- **Audit TOEFL** (`/data audit data/toefl.jsonl`)\n  - 12 rows flagged\n',
    );
    const outcome = await withRaceAfterRename(
      path,
      () => writeFileSync(`${path}.new`, moved) === undefined && fs.renameSync(`${path}.new`, path),
      () => new BoardFile(path).update(EDITS),
    );
    assert.deepEqual(
      outcome.dropped.map((d) => [d.edit, d.reason]),
      [[EDITS[0], 'CARD_MOVED']],
    );
    const board = parseBoard(readFileSync(path, 'utf8'));
    assert.equal(board.cards.find((c) => c.id === AUDIT)?.column, 'done');
    assert.equal(board.cards.find((c) => c.id === DEDUP)?.owner, 'Petrarch');
  });
});

describe('BoardFile.isOwnWrite', () => {
  test('knows what update wrote, by text or hash, and not a human text', async (t) => {
    const { path } = tempBoard(t);
    const file = new BoardFile(path);
    assert.equal(file.isOwnWrite(BOARD), false);
    await file.update(EDITS);
    const written = readFileSync(path, 'utf8');
    assert.equal(file.isOwnWrite(written), true);
    assert.equal(file.isOwnWrite(contentHash(readFileSync(path))), true);
    assert.equal(new BoardFile(path).isOwnWrite(written), true, 'every BoardFile of this process knows');
    writeFileSync(path, `${written}- a human line\n`);
    assert.equal(file.isOwnWrite(readFileSync(path, 'utf8')), false);
    assert.equal(file.isOwnWrite(contentHash(readFileSync(path))), false);
  });
});

describe('pieces (a write kept as the views it is made of)', () => {
  const pieces = [Buffer.from('## Backlog\n- café '), Buffer.alloc(0), Buffer.from('🚀\n'), Buffer.from('- more\n')];
  const joined = Buffer.concat(pieces);

  test('compare, hash and write like the joined bytes', () => {
    assert.equal(piecesLength(pieces), joined.length);
    assert.ok(samePieces(joined, pieces));
    assert.equal(hashPieces(pieces), contentHash(joined));
    const dir = mkdtempSync(join(tmpdir(), 'quimbot-pieces-'));
    try {
      const path = join(dir, 'out.md');
      const fd = openSync(path, 'w');
      writePieces(fd, pieces);
      closeSync(fd);
      assert.deepEqual(readFileSync(path), joined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('slice like the joined bytes, at and across piece boundaries', () => {
    for (let start = 0; start <= joined.length; start++) {
      for (let end = start; end <= joined.length; end++) {
        assert.deepEqual(Buffer.concat(slicePieces(pieces, start, end)), joined.subarray(start, end), `${start}..${end}`);
      }
    }
  });

  test('a change encoded over many pieces is the text, joined into few pieces', () => {
    let text = 'x'.repeat(10);
    let bytes: Uint8Array[] = [Buffer.from(text)];
    for (let i = 0; i < 40; i++) {
      const at = (i * 7) % text.length;
      const next = `${text.slice(0, at)}é${i}${text.slice(at)}`;
      bytes = encodeChange(new Utf8Offsets(Rope.of(text)), bytes, Rope.of(next)) as Uint8Array[];
      assert.deepEqual(Buffer.concat(bytes), Buffer.from(next), `change ${i}`);
      assert.ok(bytes.length <= 16, `${bytes.length} pieces`);
      text = next;
    }
  });

  test('differ from bytes that differ anywhere, or are longer or shorter', () => {
    for (let at = 0; at < joined.length; at++) {
      const other = Buffer.from(joined);
      other[at] = other[at]! ^ 1;
      assert.equal(samePieces(other, pieces), false, `byte ${at}`);
    }
    assert.equal(samePieces(joined.subarray(1), pieces), false);
    assert.equal(samePieces(Buffer.concat([joined, Buffer.from('x')]), pieces), false);
  });
});
