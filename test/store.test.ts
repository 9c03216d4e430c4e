import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { emptyState, LIMITS, readState, Store } from '../src/store/index.ts';
import { StateSerializer } from '../src/store/serialize.ts';
import { StateFile } from '../src/store/state-file.ts';
import type { Lease } from '../src/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'quimbot-store-'));
/** Every store the tests open, closed at the end: one left open plays a killed process, but its file handle must not be left to GC. */
const stores: Store[] = [];
const open = async (...args: Parameters<typeof Store.open>) => {
  const store = await Store.open(...args);
  stores.push(store);
  return store;
};
after(async () => {
  for (const store of stores) await store.close().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;
const fresh = () => join(dir, `s${n++}`, 'state.json');
const lease = (cardId: string, runId: string, expiresAt = 10_000): Omit<Lease, 'boot'> => ({
  cardId,
  title: cardId,
  agent: 'Cursor',
  runId,
  column: 'in_progress',
  acquiredAt: 0,
  expiresAt,
});

describe('Store', () => {
  test('a card has at most one lease; release frees it; the file holds it across opens', async () => {
    const path = fresh();
    const store = await open(path);
    assert.equal(await store.claim(lease('a', 'r1')), true);
    assert.equal(await store.claim(lease('a', 'r2')), false);
    const reopened = await open(path);
    assert.deepEqual(reopened.state.leases.map((l) => l.runId), ['r1']);
    // Another boot: the first process's lease is an orphan for it, not for the first.
    assert.deepEqual(reopened.orphanedLeases(0).map((l) => l.runId), ['r1']);
    assert.deepEqual(store.orphanedLeases(0), []);
    assert.deepEqual(store.orphanedLeases(20_000).map((l) => l.runId), ['r1']);
    await store.release('r1');
    assert.equal(await store.claim(lease('a', 'r3')), true);
    assert.deepEqual(readState(path).leases.map((l: Lease) => l.runId), ['r3']);
  });

  test('usage adds up by day in the totals', async () => {
    const store = await open(fresh());
    const at = Date.UTC(2026, 1, 17, 12);
    for (let i = 0; i < 30; i++) {
      await store.addUsage({ at, runId: `r${i}`, agent: 'Claude', provider: 'anthropic', model: 'm', inputTokens: 100, outputTokens: 10, costUsd: 0.5 });
    }
    assert.deepEqual(store.state.costByDay['2026-02-17'], { usd: 15, inputTokens: 3000, outputTokens: 300, calls: 30 });
    assert.equal(store.state.ledger.length, 30);
  });

  test('history beyond its cap keeps the newest events', async () => {
    const store = await open(fresh());
    const events = store.state.history as Array<unknown>;
    for (let i = 0; i < LIMITS.history; i++) events.push({ at: i, cardId: 'c', title: 't', kind: 'done', agent: null, detail: null });
    await store.addEvent({ at: -1, cardId: 'last', title: 't', kind: 'blocked', agent: null, detail: 'HTTP 402 Payment Required' });
    assert.equal(store.state.history.length, LIMITS.history);
    assert.equal(store.state.history.at(-1)!.cardId, 'last');
    assert.equal(store.state.history[0]!.at, 1);
  });

  test('A2A tasks beyond their cap: the oldest saved go, a task saved again counts as new, and the order survives a reopen', async () => {
    const path = fresh();
    const store = await open(path);
    const saves: Array<Promise<void>> = [];
    for (let i = 0; i < LIMITS.a2aTasks; i++) saves.push(store.saveTask(`t${i}`, { n: i }));
    // Saved again: now the newest, so t1 is the oldest.
    saves.push(store.saveTask('t0', { n: 0, again: true }));
    saves.push(store.saveTask('t-new', { n: -1 }));
    await Promise.all(saves);
    const ids = Object.keys(store.state.a2aTasks);
    assert.equal(ids.length, LIMITS.a2aTasks);
    assert.equal(ids[0], 't2');
    assert.deepEqual(ids.slice(-2), ['t0', 't-new']);
    await store.close();
    const again = await open(path);
    await again.saveTask('t-after', {});
    const after = Object.keys(again.state.a2aTasks);
    assert.equal(after.length, LIMITS.a2aTasks);
    assert.equal(after[0], 't3');
    assert.equal(after.at(-1), 't-after');
    await again.close();
  });

  test('a corrupt state file is kept aside, reported, and the store starts empty', async () => {
    const path = fresh();
    const first = await open(path);
    await first.claim(lease('a', 'r1'));
    writeFileSync(path, '{"version": 1, "leases": [{"cardId": 5}]}');
    const warnings: string[] = [];
    const store = await open(path, (w) => warnings.push(w.message));
    assert.equal(store.state.leases.length, 0);
    assert.match(warnings[0]!, /not a valid state file.*kept as/);
    // The journal of changes to the state set aside goes with it.
    const kept = readdirSync(join(path, '..')).filter((f) => f.includes('.corrupt-')).sort();
    assert.deepEqual(kept.map((f) => f.replace(/-\d+$/, '')), ['state.json.corrupt', 'state.json.journal.corrupt']);
  });

  test('retry state is created on first use and merged on updates', async () => {
    const store = await open(fresh());
    assert.equal(store.cardState('x'), undefined);
    await store.updateCard('x', { attempts: 2, lastError: 'HTTP 429 Too Many Requests' });
    await store.updateCard('x', { blocked: true });
    assert.deepEqual(store.cardState('x'), { attempts: 2, lastError: 'HTTP 429 Too Many Requests', nextAttemptAt: 0, blocked: true, reported: null, memo: {} });
  });

  test('the blocked cards are known as they are blocked and unblocked, and from the file after a reopen', async () => {
    const path = fresh();
    const store = await open(path);
    await store.updateCard('a', { blocked: true });
    assert.deepEqual([...store.blockedCards()], ['a']);
    await Promise.all([store.updateCard('b', { blocked: true }), store.updateCard('c', { attempts: 1 })]);
    await store.updateCard('a', { attempts: 0, blocked: false });
    assert.deepEqual([...store.blockedCards()], ['b']);
    assert.deepEqual([...(await open(path)).blockedCards()], ['b']);
  });
});

describe('the state file and its journal', () => {
  const steps = (store: Store): Array<[string, () => Promise<unknown>]> => [
    ['a lease', () => store.claim(lease('a', 'r1'))],
    ['a card state', () => store.updateCard('a', { attempts: 1 })],
    ['the card state again', () => store.updateCard('a', { memo: { k: 'v' } })],
    ['an event', () => store.addEvent({ at: 1, cardId: 'a', title: 'A', kind: 'claimed', agent: 'Cursor', detail: null })],
    ['a run', () => store.recordRun({ id: 'r1', cardId: 'a', title: 'A', agent: 'Cursor', backend: 'pipeline', startedAt: 1, endedAt: null, attempts: 0, outcome: null, summary: null, error: null, log: 'x.log' })],
    ['a task', () => store.saveTask('t1', { id: 't1', status: { state: 'TASK_STATE_WORKING' } })],
    ['the task again', () => store.saveTask('t1', { id: 't1', status: { state: 'TASK_STATE_COMPLETED' } })],
    ['a renewal', () => store.renew('r1', 99)],
    ['usage', () => store.addUsage({ at: 0, runId: 'r1', agent: 'Cursor', provider: 'p', model: 'm', inputTokens: 1, outputTokens: 2, costUsd: 0.5 })],
    ['a release', () => store.release('r1')],
  ];

  test('every kind of change is read back from the file and its journal, as a process killed after it would find it', async () => {
    const path = fresh();
    const store = await open(path);
    for (const [what, step] of steps(store)) {
      await step();
      assert.deepEqual(readState(path), store.state, what);
    }
    // A run record updated in place and recorded again is read back as it is now.
    const run = store.state.runs[0]!;
    run.attempts = 3;
    await store.recordRun(run);
    assert.equal(readState(path).runs[0]!.attempts, 3);
    // Opened again without a close (the first process was killed): the journal is applied.
    const reopened = await open(path);
    assert.deepEqual({ ...reopened.state, seq: 0 }, { ...store.state, seq: 0 });
  });

  test('closed, the file holds exactly JSON.stringify(state), entries written from their kept JSON or afresh, and the journal is empty', async () => {
    const path = fresh();
    const store = await open(path);
    for (const [, step] of steps(store)) await step();
    const run = { ...store.state.runs[0]!, outcome: null };
    await store.recordRun(run);
    run.attempts = 3;
    await store.recordRun(run);
    await store.close();
    assert.equal(readFileSync(path, 'utf8'), `${JSON.stringify(store.state)}\n`);
    assert.equal(readFileSync(`${path}.journal`, 'utf8'), '');
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).runs[0].attempts, 3);
    await assert.rejects(store.addEvent({ at: 2, cardId: 'a', title: 'A', kind: 'done', agent: null, detail: null }), /closed/);
  });

  test('a torn last line is a write that never happened; lines the file already holds are not applied twice', async () => {
    const path = fresh();
    const store = await open(path);
    for (let i = 0; i < 3; i++) await store.addEvent({ at: i, cardId: 'a', title: 'A', kind: 'claimed', agent: null, detail: null });
    const journal = readFileSync(`${path}.journal`, 'utf8');
    // As if killed after writing the file whole but before emptying the journal, and in the middle of a line.
    await store.close();
    writeFileSync(`${path}.journal`, `${journal}{"n":99,"kind":"event","ev`);
    const reopened = await open(path);
    assert.deepEqual(reopened.state.history.map((e) => e.at), [0, 1, 2]);
    // A line that is not a change, followed by more, is not a torn write: the journal is kept aside.
    await reopened.addEvent({ at: 3, cardId: 'a', title: 'A', kind: 'done', agent: null, detail: null });
    writeFileSync(`${path}.journal`, `${readFileSync(`${path}.journal`, 'utf8')}not json\n{"n":1000,"kind":"release","runId":"x"}\n`);
    const warnings: string[] = [];
    const third = await open(path, (w) => warnings.push(w.message));
    assert.deepEqual(third.state.history.map((e) => e.at), [0, 1, 2, 3]);
    assert.match(warnings[0]!, /line 2 is not a state change/);
  });

  test('the journal is folded into the file once it grows as large as the file', async () => {
    const path = fresh();
    const store = await open(path);
    const detail = 'x'.repeat(1000);
    // About 3 MB of changes: the journal is folded in more than once and never grows past its bound.
    let folds = 0;
    for (let i = 0; i < 3000; i++) {
      const before = statSync(`${path}.journal`).size;
      await store.addEvent({ at: i, cardId: `c${i}`, title: 'T', kind: 'claimed', agent: null, detail });
      const after = statSync(`${path}.journal`).size;
      if (after < before) folds++;
      // Bounded by 1 MiB or the file's size, whichever is larger, and one more change.
      assert.ok(after <= Math.max(1 << 20, statSync(path).size) + 1200, `journal grew to ${after} bytes`);
    }
    assert.equal(folds, 2);
    assert.equal(readState(path).history.length, 3000);
  });
});

describe('folding the journal into the state file', () => {
  const detail = 'x'.repeat(1000);
  const event = (at: number) => ({ at, cardId: `c${at}`, title: 'T', kind: 'claimed' as const, agent: null, detail });
  /** Adds events until the store starts folding its journal (it sets the journal aside); the number of events added. */
  const untilFolding = async (store: Store, path: string, from = 0): Promise<number> => {
    let at = from;
    while (!existsSync(`${path}.journal.old`)) {
      await store.addEvent(event(at++));
      assert.ok(at - from < 5000, 'the journal was never folded');
    }
    return at;
  };

  test('changes made while the state file is written go to a new journal at once, and are read back once', async () => {
    const path = fresh();
    // A state of about 4 MB, folded in whole (at the start): its next fold waits for a journal as large.
    const first = await open(path);
    for (let i = 0; i < 4; i++) await first.saveTask(`big${i}`, { id: `big${i}`, text: 'y'.repeat(1 << 20) });
    await first.close();
    const store = await open(path);
    for (let i = 0; !existsSync(`${path}.journal.old`); i++) {
      await store.saveTask(`t${i}`, { id: `t${i}`, text: 'z'.repeat(100_000) });
      assert.ok(i < 100, 'the journal was never folded');
    }
    // Kept while the state file is written: the changes made now do not wait for it.
    let at = 0;
    const during = [at++, at++, at++];
    await Promise.all(during.map((n) => store.addEvent(event(n))));
    assert.ok(existsSync(`${path}.journal.old`), 'the changes waited for the state file');
    assert.ok(statSync(`${path}.journal`).size > 0);
    // Read while folding, and after, each change is there once.
    const atsOf = (state: { history: Array<{ at: number }> }) => state.history.map((e) => e.at);
    assert.deepEqual(atsOf(readState(path)), atsOf(store.state));
    await store.flush();
    for (let waited = 0; existsSync(`${path}.journal.old`); waited += 5) {
      assert.ok(waited < 5000, 'the journal set aside was never dropped');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.deepEqual(atsOf(readState(path)), atsOf(store.state));
    const reopened = await open(path);
    assert.deepEqual(atsOf(reopened.state), Array.from({ length: at }, (_, i) => i));
  });

  test('killed mid-fold, before or after the state file was written: every change is applied once', async () => {
    const path = fresh();
    const store = await open(path);
    for (let i = 0; i < 3; i++) await store.addEvent(event(i));
    const fileBefore = readFileSync(path, 'utf8');
    const setAside = readFileSync(`${path}.journal`, 'utf8');
    for (let i = 3; i < 5; i++) await store.addEvent(event(i));
    const all = readFileSync(`${path}.journal`, 'utf8');
    const after = all.slice(setAside.length);
    const lastSetAside = JSON.parse(setAside.trim().split('\n').at(-1)!).n as number;
    const fileAfter = `${JSON.stringify({ ...readState(path), history: readState(path).history.slice(0, 3), seq: lastSetAside })}\n`;
    for (const [when, file] of [['before', fileBefore], ['after', fileAfter]]) {
      const copy = fresh();
      mkdirSync(dirname(copy), { recursive: true });
      writeFileSync(copy, file!);
      writeFileSync(`${copy}.journal.old`, setAside);
      writeFileSync(`${copy}.journal`, after);
      assert.deepEqual(readState(copy).history.map((e) => e.at), [0, 1, 2, 3, 4], `read beside, ${when}`);
      const reopened = await open(copy);
      assert.deepEqual(reopened.state.history.map((e) => e.at), [0, 1, 2, 3, 4], `reopened, ${when}`);
      assert.ok(!existsSync(`${copy}.journal.old`), 'the journal set aside is folded in at the start');
    }
  });

  test('a fold that fails keeps both journals; the next write is the whole state, and drops them', async () => {
    const path = fresh();
    const store = await open(path);
    // The state file's temp file cannot be made: the write fails.
    mkdirSync(join(dirname(path), '.state.json.tmp'));
    let at = await untilFolding(store, path);
    await store.flush();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(existsSync(`${path}.journal.old`), 'the journal set aside is kept');
    await assert.rejects(store.addEvent(event(at++)));
    const reopenedWhileBroken = readState(path).history.length;
    assert.equal(reopenedWhileBroken, at - 1, 'every change written before the failed write is read back');
    rmSync(join(dirname(path), '.state.json.tmp'), { recursive: true });
    await store.addEvent(event(at++));
    assert.ok(!existsSync(`${path}.journal.old`));
    assert.equal(statSync(`${path}.journal`).size, 0);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).history.length, store.state.history.length);
  });
});

describe('the state file', () => {
  test('holds the state as it was when the write began, byte for byte as JSON.stringify makes it, written a part at a time', async () => {
    const path = fresh();
    mkdirSync(dirname(path), { recursive: true });
    const serializer = new StateSerializer();
    const file = new StateFile(path, serializer);
    const state = emptyState();
    // About 6 MB, with characters of two, three and four bytes: many parts.
    for (let i = 0; i < 60; i++) state.a2aTasks[`t${i}`] = { id: `t${i}`, text: `é€😀 ${i} `.repeat(10_000) };
    state.history.push({ at: 0, cardId: 'a', title: 'A', kind: 'claimed', agent: null, detail: null });
    const before = `${JSON.stringify(state)}\n`;
    const writing = file.write(state);
    // Changed while it is written: not in this write.
    state.history.push({ at: 1, cardId: 'b', title: 'B', kind: 'claimed', agent: null, detail: null });
    serializer.changed('history');
    state.a2aTasks.t0 = { id: 't0', text: 'changed' };
    serializer.changed('a2aTasks');
    await writing;
    assert.equal(readFileSync(path, 'utf8'), before);
    assert.equal(serializer.lastLength, before.length);
    await file.write(state);
    assert.equal(readFileSync(path, 'utf8'), `${JSON.stringify(state)}\n`);
    assert.deepEqual(await file.read(), JSON.parse(readFileSync(path, 'utf8')));
  });
});
