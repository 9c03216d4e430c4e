import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RunLog, RunLogs } from '../src/agents/run-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'quimbot-run-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('a run log', () => {
  test('holds every line in order once closed', async () => {
    const log = new RunLog(join(dir, 'a.log'));
    for (let i = 0; i < 1000; i++) log.write(`line ${i}\n`);
    await log.close();
    assert.deepEqual(readFileSync(log.path, 'utf8').split('\n').slice(0, -1), Array.from({ length: 1000 }, (_, i) => `line ${i}`));
  });

  test('stops at 1 MB with a note saying so', async () => {
    const log = new RunLog(join(dir, 'b.log'));
    const line = `${'x'.repeat(999)}\n`;
    for (let i = 0; i < 1100; i++) log.write(line);
    await log.close();
    const text = readFileSync(log.path, 'utf8');
    assert.equal(text.length, (1 << 20) + '\n[log truncated at 1 MB]\n'.length);
    assert.ok(text.endsWith('\n[log truncated at 1 MB]\n'));
  });

  test('a log that cannot be written does not fail the run', async () => {
    const log = new RunLog(join(dir, 'missing', 'c.log'));
    log.write('lost\n');
    await log.close();
  });
});

describe('the runs directory', () => {
  const logNames = (logs: RunLogs) => readdirSync(logs.dir).sort();

  test('keeps the newest logs a previous process left, and as runs end: the one being written among them', async (t) => {
    const runs = mkdtempSync(join(dir, 'runs-'));
    t.after(() => rmSync(runs, { recursive: true, force: true }));
    // Left by a previous process, oldest first by time.
    for (const [i, name] of ['old-1', 'old-2', 'old-3'].entries()) {
      writeFileSync(join(runs, `${name}.log`), 'x\n');
      utimesSync(join(runs, `${name}.log`), 1_000 + i, 1_000 + i);
    }
    writeFileSync(join(runs, 'notes.txt'), 'not a log\n');
    const logs = new RunLogs(runs, 2);
    logs.prepare();
    assert.deepEqual(logNames(logs), ['notes.txt', 'old-2.log', 'old-3.log']);

    const long = logs.open('long');
    long.write('still going\n');
    // Its line reaches the file while it runs.
    while (!logNames(logs).includes('long.log')) await sleep(20);
    for (const id of ['a', 'b', 'c']) {
      const log = logs.open(id);
      log.write(`${id}\n`);
      await log.close();
    }
    // The long run's log is older than all three, and still open: it stays, and counts.
    assert.deepEqual(logNames(logs), ['c.log', 'long.log', 'notes.txt']);
    await long.close();
    assert.deepEqual(logNames(logs), ['c.log', 'long.log', 'notes.txt']);
    assert.equal(readFileSync(logs.pathOf('long'), 'utf8'), 'still going\n');
  });

  test('once full, a new run writes into the oldest log’s file: none of the old text stays, and no file is made or removed', async (t) => {
    const runs = mkdtempSync(join(dir, 'runs-'));
    t.after(() => rmSync(runs, { recursive: true, force: true }));
    const logs = new RunLogs(runs, 2);
    logs.prepare();
    for (const [id, text] of [['a', `${'long line of the first run\n'.repeat(500)}`], ['b', 'b\n']]) {
      const log = logs.open(id!);
      log.write(text!);
      await log.close();
    }
    const inodeOf = (id: string) => statSync(logs.pathOf(id)).ino;
    const first = inodeOf('a');

    // A long run: its first lines reach the file while it runs, the rest after them.
    const c = logs.open('c');
    c.write('c\n');
    while (!logNames(logs).includes('c.log')) await sleep(20);
    c.write('more\n');
    await c.close();
    assert.deepEqual(logNames(logs), ['b.log', 'c.log']);
    assert.equal(readFileSync(logs.pathOf('c'), 'utf8'), 'c\nmore\n');
    assert.equal(inodeOf('c'), first, 'the oldest log’s file, renamed');

    // A run that wrote nothing leaves an empty log, not the older run's text.
    await logs.open('d').close();
    assert.equal(readFileSync(logs.pathOf('d'), 'utf8'), '');
    assert.deepEqual(logNames(logs), ['c.log', 'd.log']);

    // The oldest removed by hand: the new run's log is a new file.
    rmSync(logs.pathOf('c'));
    const e = logs.open('e');
    e.write('e\n');
    await e.close();
    assert.equal(readFileSync(logs.pathOf('e'), 'utf8'), 'e\n');
    assert.deepEqual(logNames(logs), ['d.log', 'e.log']);

    // Runs that start and end in bursts (a pass claims many cards at once) reuse the same files.
    const inodes = () => new Set(readdirSync(runs).map((name) => statSync(join(runs, name)).ino));
    const before = inodes();
    for (let burst = 0; burst < 3; burst++) {
      const open = ['x', 'y'].map((id) => logs.open(`${id}${burst}`));
      for (const log of open) log.write('burst\n');
      await Promise.all(open.map((log) => log.close()));
      assert.deepEqual(inodes(), before);
    }
    assert.deepEqual(logNames(logs), ['x2.log', 'y2.log']);
  });
});
