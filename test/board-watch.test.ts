import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { pbkdf2 } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { BoardFile, contentHash, watchBoard } from '../src/board/index.ts';
import type { BoardChange } from '../src/board/index.ts';

const BOARD = '# Board\n\n## Backlog\n- **Audit TOEFL**\n- **Dedup Pilot**\n\n## Done\n- Shipped\n\n## Notes\n- first note\n';
const TIMEOUT_MS = 5000;
/** How long no event must arrive to call the watcher settled: debounce plus chokidar's unlink grace. */
const QUIET_MS = 400;

interface Watched {
  dir: string;
  path: string;
  file: BoardFile;
  events: BoardChange[];
  /** Resolves with the first event from index `from` on that matches, or fails after 5 s. */
  next(match: (change: BoardChange) => boolean, from?: number): Promise<BoardChange>;
  /** Resolves once no event has arrived for QUIET_MS. */
  quiet(): Promise<void>;
  close(): Promise<void>;
}

/** A board in a fresh temp dir with a ready watcher on it; all cleaned up after the test. */
async function watched(t: TestContext, debounceMs?: number): Promise<Watched> {
  const dir = mkdtempSync(join(tmpdir(), 'quimbot-'));
  const path = join(dir, 'KANBAN.md');
  writeFileSync(path, BOARD);
  const file = new BoardFile(path);
  const events: BoardChange[] = [];
  let lastAt = Date.now();
  const watch = watchBoard(
    file,
    (change) => {
      events.push(change);
      lastAt = Date.now();
    },
    debounceMs === undefined ? {} : { debounceMs },
  );
  t.after(async () => {
    await watch.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await watch.ready;
  return {
    dir,
    path,
    file,
    events,
    async next(match, from = 0) {
      const deadline = Date.now() + TIMEOUT_MS;
      for (;;) {
        const found = events.slice(from).find(match);
        if (found) return found;
        if (Date.now() > deadline) assert.fail(`no matching watch event within ${TIMEOUT_MS} ms; saw ${summary(events)}`);
        await sleep(5);
      }
    },
    async quiet() {
      lastAt = Math.max(lastAt, Date.now());
      while (Date.now() - lastAt < QUIET_MS) await sleep(20);
    },
    close: () => watch.close(),
  };
}

function summary(events: BoardChange[]): string {
  return JSON.stringify(events.map((e) => (e.kind === 'changed' ? { own: e.own, hash: e.hash.slice(0, 8) } : { invalid: e.error.code })));
}

const changedTo = (text: string) => {
  const hash = contentHash(text);
  return (change: BoardChange) => change.kind === 'changed' && change.hash === hash;
};

describe('watchBoard', () => {
  const saves: Array<[string, (path: string, text: string) => void]> = [
    ['a plain write', (path, text) => writeFileSync(path, text)],
    [
      'a rename-save (temp file + rename, like vim or VS Code)',
      (path, text) => {
        const temp = join(path, '..', '.KANBAN.md.swp');
        writeFileSync(temp, text);
        renameSync(temp, path);
      },
    ],
    ['an append', (path, text) => appendFileSync(path, text.slice(BOARD.length))],
  ];
  for (const [name, save] of saves) {
    test(`${name} by a human is one change, not own`, async (t) => {
      const w = await watched(t);
      const text = `${BOARD}- a human note\n`;
      save(w.path, text);
      const change = await w.next(changedTo(text));
      await w.quiet();
      assert.equal(w.events.length, 1, summary(w.events));
      assert.ok(change.kind === 'changed');
      assert.equal(change.own, false);
      assert.equal(change.board.text, text);
      assert.equal(change.board.cards.length, 3);
    });
  }

  test('a burst of quick writes is debounced into few changes, ending with the last', async (t) => {
    const w = await watched(t);
    let text = BOARD;
    for (let i = 0; i < 20; i++) {
      text += `- burst line ${i}\n`;
      writeFileSync(w.path, text);
      await sleep(2);
    }
    await w.next(changedTo(text));
    await w.quiet();
    assert.ok(w.events.length <= 3, `expected few events, got ${w.events.length}`);
    assert.ok(w.events.every((e) => e.kind === 'changed' && !e.own));
    const last = w.events.at(-1)!;
    assert.ok(last.kind === 'changed' && last.board.text === text, 'the last event has the final content');
  });

  test("a human's rename-saves are each seen while Quimbot keeps writing the board", async (t) => {
    // Both replace the file by rename, so the watcher must follow the path, not an inode it held.
    const w = await watched(t);
    let writing = true;
    const daemon = (async () => {
      for (let i = 0; writing; i++) {
        await w.file.update([{ kind: 'add', title: `own ${i}`, column: 'done' }]);
        await sleep(Math.random() * 3);
      }
    })();
    try {
      for (let i = 0; i < 15; i++) {
        const title = `human ${i}`;
        writeFileSync(`${w.path}.swp`, readFileSync(w.path, 'utf8').replace('## Backlog\n', `## Backlog\n- **${title}**\n`));
        renameSync(`${w.path}.swp`, w.path);
        await w.next((change) => change.kind === 'changed' && change.board.cards.some((card) => card.title === title));
      }
    } finally {
      writing = false;
      await daemon;
    }
  });

  test("Quimbot's own update is reported as own", async (t) => {
    const w = await watched(t);
    const outcome = await w.file.update([{ kind: 'move', card: (await w.file.read()).cards[0]!.id, to: 'done' }]);
    const change = await w.next(changedTo(outcome.board.text));
    await w.quiet();
    assert.equal(w.events.length, 1, summary(w.events));
    assert.ok(change.kind === 'changed' && change.own);
  });

  test('two own updates within one debounce are still own', async (t) => {
    const w = await watched(t, 150);
    const [audit, dedup] = (await w.file.read()).cards;
    await w.file.update([{ kind: 'assign', card: audit!.id, owner: 'Quimbot' }]);
    const second = await w.file.update([{ kind: 'assign', card: dedup!.id, owner: 'Petrarch' }]);
    const change = await w.next(changedTo(second.board.text));
    assert.ok(change.kind === 'changed' && change.own, summary(w.events));
  });

  test("a human's change that Quimbot's write carried is not hidden as own", async (t) => {
    const w = await watched(t, 150);
    const human = BOARD.replace('- **Dedup Pilot**\n', '');
    writeFileSync(w.path, human);
    const outcome = await w.file.update([{ kind: 'note', card: (await w.file.read()).cards[0]!.id, text: 'audited' }]);
    const change = await w.next(changedTo(outcome.board.text));
    assert.ok(change.kind === 'changed');
    assert.equal(change.own, false, 'the human deleted a card; the daemon must see it');
    assert.equal(change.board.cards.length, 2);
  });

  test('a change is never reported older than an update that finished before it (a run claimed is not seen moved back)', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'quimbot-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'KANBAN.md');
    writeFileSync(path, BOARD);
    const file = new BoardFile(path);
    // Each report, with how many updates had finished when it came.
    const reports: Array<{ change: BoardChange; finished: number }> = [];
    let finished = 0;
    const watch = watchBoard(file, (change) => reports.push({ change, finished }), { debounceMs: 8 });
    t.after(() => watch.close());
    await watch.ready;
    // The thread pool kept busy, as a daemon's fsyncs and logs keep it: file reads wait their turn between steps.
    let busy = true;
    const churn = async () => {
      while (busy) await new Promise((resolve) => pbkdf2(String(Math.random()), 'salt', 2000, 32, 'sha256', resolve));
    };
    const churning = Promise.all([churn(), churn(), churn()]);
    t.after(async () => {
      busy = false;
      await churning;
    });
    const claimed: string[] = [];
    for (let i = 0; i < 80; i++) {
      // A human adds a card, and the daemon claims it soon after (a run ending and the next pass),
      // sometimes while the watcher reads the human's change.
      writeFileSync(path, readFileSync(path, 'utf8').replace('## Backlog\n', `## Backlog\n- **Card ${i}**\n`));
      await sleep(i % 16);
      const card = (await file.read()).cards.find((c) => c.title === `Card ${i}`)!;
      await file.update([{ kind: 'move', card: card.id, to: 'in_progress' }]);
      claimed.push(card.id);
      finished++;
    }
    await sleep(100);
    for (const { change, finished } of reports) {
      if (change.kind !== 'changed') continue;
      for (const id of claimed.slice(0, finished)) {
        assert.notEqual(change.board.cards.find((c) => c.id === id)?.column, 'backlog', `a report after ${finished} claims shows ${id} in Backlog`);
      }
    }
  });

  test('deleting the board is FILE_NOT_FOUND; re-creating it is a change', async (t) => {
    const w = await watched(t);
    unlinkSync(w.path);
    const gone = await w.next((e) => e.kind === 'invalid');
    assert.ok(gone.kind === 'invalid');
    assert.equal(gone.error.code, 'FILE_NOT_FOUND');
    assert.ok(gone.error.message.includes(w.path));
    const from = w.events.length;
    writeFileSync(w.path, BOARD);
    const back = await w.next(changedTo(BOARD), from);
    assert.ok(back.kind === 'changed' && !back.own);
    await w.quiet();
    assert.deepEqual(
      w.events.map((e) => e.kind),
      ['invalid', 'changed'],
    );
  });

  test('a file that is no longer a board is reported invalid, then valid again', async (t) => {
    const w = await watched(t);
    writeFileSync(w.path, '# Just notes\n- no columns here\n');
    const bad = await w.next((e) => e.kind === 'invalid');
    assert.ok(bad.kind === 'invalid' && bad.error.code === 'NOT_A_BOARD');
    writeFileSync(w.path, BOARD);
    await w.next(changedTo(BOARD));
  });

  test('close() stops events', async (t) => {
    const w = await watched(t);
    await w.close();
    writeFileSync(w.path, `${BOARD}- after close\n`);
    appendFileSync(w.path, '- and more\n');
    await w.quiet();
    assert.deepEqual(w.events, []);
  });
});
