import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import type { CrashPoint } from '../src/crash-points.ts';
import { startDaemon } from '../src/daemon.ts';
import { silentLogger } from '../src/log.ts';
import { readState } from '../src/store/index.ts';
import { spawnDaemon, stopDaemonProcess } from './helpers/daemon-process.ts';
import { addCardByHand, workspace } from './helpers/workspace.ts';
import type { Workspace } from './helpers/workspace.ts';

// Each card's work on Petrarch: a process of its own, so a run is counted where it ends.
const WORK = `node -e 'console.log("work done")' {card}`;
const SCHEDULER = { pollMs: 200, leaseMs: 3000, backoffMs: 50 };
const TITLES = ['One', 'Two', 'Three', 'Four'].map((n) => `Remote ${n}`);
// The crash comes at a later card than the first, while others are on their way.
const NTH = 2;

const petrarchConfig = { name: 'Petrarch', agents: [{ name: 'Worker', role: 'execution', backend: 'cli', command: WORK, concurrency: 2 }], scheduler: SCHEDULER, listen: { port: 0 } };
const quimbotConfig = (url: string) => ({ name: 'Quimbot', agents: [{ name: 'Codex', role: 'execution' }], peers: [{ name: 'Petrarch', url }], scheduler: SCHEDULER, listen: { port: 0 } });

function addCards(ws: Workspace): void {
  ws.write('kanban/KANBAN.md', addCardByHand(ws.read('kanban/KANBAN.md'), 'Backlog', TITLES.map((title) => `- **${title}** @Petrarch @Worker`).join('\n')));
}

/** Every card Done here with the peer's result, on the peer's board once, and finished there once. */
async function assertEachRanOnce(quimbot: Workspace, petrarch: Workspace): Promise<void> {
  const here = await quimbot.waitFor((b) => TITLES.every((title) => b.cards.some((c) => c.title === title && c.column === 'done')), 'every card Done here', 30_000);
  for (const title of TITLES) {
    const cards = here.cards.filter((c) => c.title === title);
    assert.equal(cards.length, 1, `${title} is on this board once`);
    assert.match(cards[0]!.text, /✅ work done \(at Petrarch\)/);
    assert.equal(cards[0]!.text.match(/a2a task /g)?.length, 1, `${title} names one task`);
  }
  const there = petrarch.board();
  for (const title of TITLES) assert.equal(there.cards.filter((c) => c.title === title).length, 1, `${title} is on the peer board once`);
  const { runs } = readState(join(petrarch.dir, '.quimbot/state.json'));
  for (const title of TITLES) assert.equal(runs.filter((r) => r.title === title && r.outcome === 'done').length, 1, `${title} finished once there`);
}

/** The sender dies at the point, and starts again without the fault. */
async function crashSender(t: TestContext, point: CrashPoint): Promise<void> {
  const petrarch = workspace(t);
  const remote = await startDaemon({ config: petrarch.config(petrarchConfig), log: silentLogger });
  petrarch.cleanup(() => remote.stop());
  const quimbot = workspace(t);
  quimbot.write('quimbot.config.json', JSON.stringify(quimbotConfig(remote.url)));
  addCards(quimbot);
  const first = spawnDaemon(quimbot, { env: { QUIMBOT_CRASH_AT: `${point}:${NTH}` } });
  assert.equal(await first.exited, 'SIGKILL', `the sender reached ${point}`);
  const second = spawnDaemon(quimbot);
  try {
    await assertEachRanOnce(quimbot, petrarch);
  } finally {
    await stopDaemonProcess(second);
  }
}

/** The peer dies at the point, and starts again, on the same port, without the fault. */
async function crashPeer(t: TestContext, point: CrashPoint): Promise<void> {
  const petrarch = workspace(t);
  petrarch.write('quimbot.config.json', JSON.stringify(petrarchConfig));
  const first = spawnDaemon(petrarch, { env: { QUIMBOT_CRASH_AT: `${point}:${NTH}` } });
  const url = await first.listening;
  const quimbot = workspace(t);
  const local = await startDaemon({ config: quimbot.config(quimbotConfig(url)), log: silentLogger });
  quimbot.cleanup(() => local.stop());
  addCards(quimbot);
  assert.equal(await first.exited, 'SIGKILL', `the peer reached ${point}`);
  const second = spawnDaemon(petrarch, { port: Number(new URL(url).port) });
  try {
    await assertEachRanOnce(quimbot, petrarch);
  } finally {
    await stopDaemonProcess(second);
  }
}

describe('kill -9 at each point of a delegation: every card ends Done, each run once', { concurrency: 2 }, () => {
  test('the sender, before sending (the message id saved)', (t) => crashSender(t, 'a2a.before-send'));
  test('the sender, after sending, before it saved the task id', (t) => crashSender(t, 'a2a.sent'));
  test('the sender, after the result came, before the card moved here', (t) => crashSender(t, 'a2a.result-heard'));
  test('the peer, on receiving, before the card is on its board', (t) => crashPeer(t, 'a2a.received'));
  test('the peer, with the card on its board, before the sender heard', (t) => crashPeer(t, 'a2a.card-added'));
  test('the peer, with the card Done, before the task ended', (t) => crashPeer(t, 'a2a.card-ended'));
});
