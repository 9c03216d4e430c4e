import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { startDaemon } from '../src/daemon.ts';
import type { Daemon } from '../src/daemon.ts';
import { silentLogger } from '../src/log.ts';
import { a2aGate } from './helpers/a2a-gate.ts';
import { plantedDataset } from './helpers/datasets.ts';
import { spawnDaemon, stopDaemonProcess } from './helpers/daemon-process.ts';
import { addCardByHand, workspace } from './helpers/workspace.ts';
import type { Workspace } from './helpers/workspace.ts';

const FLAWS = { clean: 20, parseErrors: 1, missingMessages: 0, emptyAssistant: 0, alternation: 0, exactDuplicates: 0, emails: 0, phones: 0, ips: 0, noFinalPunct: 0, weightOutOfRange: 0, blankLines: 0 };

/** Two daemons on loopback, each with its own workspace: Quimbot, and Petrarch as its peer. */
async function pair(t: TestContext): Promise<{ quimbot: Workspace; petrarch: Workspace; daemons: Daemon[] }> {
  const petrarch = workspace(t);
  petrarch.write('data/x.jsonl', plantedDataset(FLAWS).text);
  const remote = await startDaemon({ config: petrarch.config({ name: 'Petrarch', agents: [{ name: 'Cursor', role: 'execution' }] }), log: silentLogger });
  petrarch.cleanup(() => remote.stop());
  const quimbot = workspace(t);
  const local = await startDaemon({
    config: quimbot.config({ name: 'Quimbot', agents: [{ name: 'Codex', role: 'execution' }], peers: [{ name: 'Petrarch', url: remote.url }] }),
    log: silentLogger,
  });
  quimbot.cleanup(() => local.stop());
  return { quimbot, petrarch, daemons: [local, remote] };
}

function addCard(ws: Workspace, line: string): void {
  ws.write('kanban/KANBAN.md', addCardByHand(ws.read('kanban/KANBAN.md'), 'Backlog', line));
}

describe('delegating cards to a peer over A2A', () => {
  test('a card mentioning the peer runs there, and its result comes back to this board', async (t) => {
    const { quimbot, petrarch } = await pair(t);
    addCard(quimbot, '- **Audit on Petrarch** `/data audit data/x.jsonl --no-near` @Petrarch');
    const local = await quimbot.waitFor((b) => b.cards.some((c) => c.column === 'done'), 'the card Done here');
    const card = local.cards[0]!;
    assert.equal(card.owner, 'Petrarch');
    assert.match(card.text, /✅ 21 rows in 1 file.* \(at Petrarch\)/);
    assert.match(card.text, /a2a task [\w-]+/);
    const remote = petrarch.board().cards[0]!;
    assert.deepEqual([remote.title, remote.column, remote.owner], ['Audit on Petrarch', 'done', 'Cursor']);
  });

  test("a failure on the peer blocks this card with the peer's reason", async (t) => {
    const { quimbot } = await pair(t);
    addCard(quimbot, '- **Audit missing** `/data audit data/nope.jsonl` @Petrarch');
    const local = await quimbot.waitFor((b) => b.cards.some((c) => c.column === 'blocked'), 'the card Blocked here');
    assert.match(local.cards[0]!.blockedReason ?? '', /^Petrarch: FILE_NOT_FOUND/);
  });

  test('moving the card away here cancels the task there', async (t) => {
    const { quimbot, petrarch } = await pair(t);
    // Petrarch's team has nobody for a card with no command: it waits there until canceled.
    addCard(quimbot, '- **Think it over** @Petrarch');
    await petrarch.waitFor((b) => b.cards.some((c) => c.title === 'Think it over'), 'the card on the peer board');
    await quimbot.waitFor((b) => b.cards.some((c) => c.column === 'in_progress'), 'the card In Progress here');
    const text = quimbot.read('kanban/KANBAN.md');
    const lines = quimbot.board().cards[0]!.text;
    quimbot.write('kanban/KANBAN.md', text.replace(lines, '').replace('## Done\n', `## Done\n${lines}`));
    const remote = await petrarch.waitFor((b) => b.cards.some((c) => c.column === 'blocked'), 'the peer card Blocked');
    assert.equal(remote.cards[0]!.blockedReason, 'canceled by the A2A client');
  });
  test('moving the card away before the task id came back still cancels the task there', async (t) => {
    const petrarch = workspace(t);
    const remote = await startDaemon({ config: petrarch.config({ name: 'Petrarch', agents: [{ name: 'Cursor', role: 'execution' }] }), log: silentLogger });
    petrarch.cleanup(() => remote.stop());
    // Petrarch gets the message; its answer, the task, never comes back here.
    const gate = await a2aGate(t, remote.url, ['SendStreamingMessage']);
    const quimbot = workspace(t);
    const local = await startDaemon({ config: quimbot.config({ name: 'Quimbot', agents: [{ name: 'Codex', role: 'execution' }], peers: [{ name: 'Petrarch', url: gate.url }] }), log: silentLogger });
    quimbot.cleanup(() => local.stop());
    addCard(quimbot, '- **Think it over** @Petrarch');
    await petrarch.waitFor((b) => b.cards.some((c) => c.title === 'Think it over'), 'the card on the peer board');
    const here = await quimbot.waitFor((b) => b.cards.some((c) => c.column === 'in_progress'), 'the card In Progress here');
    assert.doesNotMatch(here.cards[0]!.text, /a2a task/, 'no task id here yet');
    const text = quimbot.read('kanban/KANBAN.md');
    const lines = here.cards[0]!.text;
    quimbot.write('kanban/KANBAN.md', text.replace(lines, '').replace('## Done\n', `## Done\n${lines}`));
    const there = await petrarch.waitFor((b) => b.cards.some((c) => c.column === 'blocked'), 'the peer card Blocked');
    assert.equal(there.cards.length, 1, 'the message sent again found the same card');
    assert.equal(there.cards[0]!.blockedReason, 'canceled by the A2A client');
    assert.deepEqual(gate.methods.slice(-2), ['SendMessage', 'CancelTask']);
  });

  test("a question on the peer (input-required) waits here for a person's answer, which continues the same task", async (t) => {
    const { quimbot, petrarch, daemons } = await pair(t);
    const [, remote] = daemons;
    // Nobody on Petrarch's team takes a card without a command: the humans there handle it.
    addCard(quimbot, '- **Pick the eval split** @Petrarch');
    const there = await petrarch.waitFor((b) => b.cards.some((c) => c.title === 'Pick the eval split'), 'the card on the peer board');
    const remoteCard = there.cards[0]!.id;
    await quimbot.waitFor((b) => b.cards.some((c) => c.column === 'in_progress'), 'the card In Progress here');
    await remote!.board.update([{ kind: 'block', card: remoteCard, reason: 'Which split should I use?' }]);
    const asked = await quimbot.waitFor((b) => b.cards.some((c) => c.column === 'blocked'), 'the question here');
    assert.equal(asked.cards[0]!.blockedReason, 'Petrarch asks: Which split should I use?');
    const taskId = /a2a task ([\w-]+)/.exec(petrarch.board().cards[0]!.text)![1]!;

    // A person answers under the card and moves it back to Backlog.
    const text = quimbot.read('kanban/KANBAN.md');
    const lines = asked.cards[0]!.text;
    quimbot.write('kanban/KANBAN.md', text.replace(lines, '').replace('## Backlog\n', `## Backlog\n${lines.trimEnd()}\n  - use the dev split\n`));
    const answered = await petrarch.waitFor((b) => b.cards.some((c) => c.column === 'backlog' && c.text.includes('💬 use the dev split')), 'the answer on the peer card');
    assert.equal(answered.cards.length, 1);
    assert.ok(answered.cards[0]!.text.includes(`a2a task ${taskId}`), 'the same task goes on');

    await remote!.board.update([{ kind: 'move', card: remoteCard, to: 'done' }, { kind: 'note', card: remoteCard, text: '✅ dev split chosen' }]);
    const done = await quimbot.waitFor((b) => b.cards.some((c) => c.column === 'done'), 'the card Done here');
    assert.match(done.cards[0]!.text, /✅ dev split chosen \(at Petrarch\)/);
    assert.equal(done.cards[0]!.text.match(/a2a task /g)?.length, 1);
  });
});

describe('peer tokens', () => {
  test('a peer with the shared token is served; no token or a wrong one is refused', async (t) => {
    process.env.QUIMBOT_TEST_PEER_TOKEN = 'shared-s3cret';
    process.env.QUIMBOT_TEST_WRONG_TOKEN = 'not-the-token';
    const petrarch = workspace(t);
    petrarch.write('data/x.jsonl', plantedDataset(FLAWS).text);
    const remote = await startDaemon({
      config: petrarch.config({ name: 'Petrarch', agents: [{ name: 'Cursor', role: 'execution' }], peers: [{ name: 'Quimbot', url: 'http://127.0.0.1:9', tokenEnv: 'QUIMBOT_TEST_PEER_TOKEN' }] }),
      log: silentLogger,
    });
    petrarch.cleanup(() => remote.stop());
    const call = (headers: Record<string, string>) =>
      fetch(`${remote.url}/a2a`, { method: 'POST', headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 'x' } }) });
    assert.equal((await call({})).status, 401);
    assert.equal((await call({ authorization: 'Bearer not-the-token' })).status, 401);
    assert.equal((await call({ authorization: 'Bearer shared-s3cret' })).status, 200);

    const quimbot = workspace(t);
    const local = await startDaemon({
      config: quimbot.config({
        name: 'Quimbot',
        agents: [{ name: 'Codex', role: 'execution' }],
        peers: [
          { name: 'Petrarch', url: remote.url, tokenEnv: 'QUIMBOT_TEST_PEER_TOKEN' },
          { name: 'Impostor', url: remote.url, tokenEnv: 'QUIMBOT_TEST_WRONG_TOKEN' },
        ],
      }),
      log: silentLogger,
    });
    quimbot.cleanup(() => local.stop());
    addCard(quimbot, '- **Audit on Petrarch** `/data audit data/x.jsonl --no-near` @Petrarch');
    addCard(quimbot, '- **Audit as an impostor** `/data audit data/x.jsonl --no-near` @Impostor');
    const board = await quimbot.waitFor((b) => b.cards.some((c) => c.column === 'done') && b.cards.some((c) => c.column === 'blocked'), 'one card Done, one Blocked');
    assert.equal(board.cards.find((c) => c.column === 'done')!.title, 'Audit on Petrarch');
    assert.match(board.cards.find((c) => c.column === 'blocked')!.blockedReason ?? '', /401|Unauthorized|bearer/i);
  });
});

describe('quimbot peers', () => {
  test('says which peers answer, with their agent card, and exits 1 when one is down', async (t) => {
    const petrarch = workspace(t);
    const remote = await startDaemon({ config: petrarch.config({ name: 'Petrarch', agents: [{ name: 'Cursor', role: 'execution' }] }), log: silentLogger });
    petrarch.cleanup(() => remote.stop());
    const here = workspace(t);
    here.write('quimbot.config.json', JSON.stringify({ peers: [{ name: 'Petrarch', url: remote.url }, { name: 'Gone', url: 'http://127.0.0.1:9' }] }));
    const bin = fileURLToPath(new URL('../bin/quimbot.js', import.meta.url));
    // Asynchronously: the peer daemon runs in this process and must be free to answer.
    const run = await promisify(execFile)(process.execPath, [bin, 'peers', '--json'], { cwd: here.dir, encoding: 'utf8' }).then(
      (out) => ({ status: 0, stdout: out.stdout }),
      (error: { code?: number; stdout?: string }) => ({ status: error.code ?? -1, stdout: error.stdout ?? '' }),
    );
    assert.equal(run.status, 1);
    const { peers } = JSON.parse(run.stdout) as { peers: Array<{ name: string; reachable: boolean; agent: string | null; socket: string }> };
    assert.deepEqual(
      peers.map((p) => [p.name, p.reachable, p.agent?.startsWith('Petrarch') ?? null, p.socket]),
      [
        ['Petrarch', true, true, 'up'],
        ['Gone', false, null, 'down'],
      ],
    );
  });
});

describe('delegation across a crash', () => {
  test('kill -9 the sender mid-delegation: after a restart it follows the same task, and the peer runs the card once', async (t) => {
    const petrarch = workspace(t);
    const slow = `node -e 'setTimeout(() => console.log("slow work done"), 2000)' {card}`;
    const remote = await startDaemon({ config: petrarch.config({ name: 'Petrarch', agents: [{ name: 'Worker', role: 'execution', backend: 'cli', command: slow }] }), log: silentLogger });
    petrarch.cleanup(() => remote.stop());
    const quimbot = workspace(t);
    quimbot.write(
      'quimbot.config.json',
      JSON.stringify({ name: 'Quimbot', agents: [{ name: 'Codex', role: 'execution' }], peers: [{ name: 'Petrarch', url: remote.url }], scheduler: { pollMs: 200, leaseMs: 3000, backoffMs: 50 }, listen: { port: 0 } }),
    );
    addCard(quimbot, '- **Slow remote** @Petrarch @Worker');
    const first = spawnDaemon(quimbot);
    await petrarch.waitFor((b) => b.cards.some((c) => c.title === 'Slow remote'), 'the card on the peer');
    first.child.kill('SIGKILL');
    await first.exited;
    const second = spawnDaemon(quimbot);
    const board = await quimbot.waitFor((b) => b.cards.some((c) => c.title === 'Slow remote' && c.column === 'done'), 'the card Done here', 20_000);
    await stopDaemonProcess(second);
    assert.match(board.cards[0]!.text, /✅ slow work done \(at Petrarch\)/);
    assert.equal(petrarch.board().cards.filter((c) => c.title === 'Slow remote').length, 1);
    assert.equal(remote.store.state.runs.filter((r) => r.title === 'Slow remote').length, 1, 'the peer ran the card once');
  });

  test('kill -9 the peer while it runs the delegated cards: after its restart every card ends Done here, each finished there once', async (t) => {
    const petrarch = workspace(t);
    const slow = `node -e 'setTimeout(() => console.log("slow work done"), 1500)' {card}`;
    petrarch.write(
      'quimbot.config.json',
      JSON.stringify({ name: 'Petrarch', agents: [{ name: 'Worker', role: 'execution', backend: 'cli', command: slow, concurrency: 4 }], scheduler: { pollMs: 200, leaseMs: 3000, backoffMs: 50 }, listen: { port: 0 } }),
    );
    const first = spawnDaemon(petrarch);
    const url = await first.listening;
    const quimbot = workspace(t);
    const local = await startDaemon({ config: quimbot.config({ name: 'Quimbot', agents: [{ name: 'Codex', role: 'execution' }], peers: [{ name: 'Petrarch', url }] }), log: silentLogger });
    quimbot.cleanup(() => local.stop());
    const titles = ['One', 'Two', 'Three', 'Four', 'Five'].map((n) => `Remote ${n}`);
    quimbot.write('kanban/KANBAN.md', addCardByHand(quimbot.read('kanban/KANBAN.md'), 'Backlog', titles.map((title) => `- **${title}** @Petrarch @Worker`).join('\n')));
    await petrarch.waitFor((b) => b.cards.filter((c) => c.column === 'in_progress').length >= 3, 'cards running on the peer');
    first.child.kill('SIGKILL');
    await first.exited;
    const second = spawnDaemon(petrarch, { port: Number(new URL(url).port) });
    const board = await quimbot.waitFor((b) => titles.every((title) => b.cards.some((c) => c.title === title && c.column === 'done')), 'every card Done here', 30_000);
    for (const title of titles) assert.match(board.cards.find((c) => c.title === title)!.text, /✅ slow work done \(at Petrarch\)/);
    await stopDaemonProcess(second);
    const there = petrarch.board();
    for (const title of titles) assert.equal(there.cards.filter((c) => c.title === title).length, 1, `${title} is on the peer board once`);
    const runs = JSON.parse(petrarch.read('.quimbot/state.json')).runs as Array<{ title: string; outcome: string | null }>;
    for (const title of titles) assert.equal(runs.filter((r) => r.title === title && r.outcome === 'done').length, 1, `${title} finished once there`);
  });

  test('a graceful stop mid-delegation leaves the task running there; the next start follows it to the end', async (t) => {
    const petrarch = workspace(t);
    const slow = `node -e 'setTimeout(() => console.log("slow work done"), 1500)' {card}`;
    const remote = await startDaemon({ config: petrarch.config({ name: 'Petrarch', agents: [{ name: 'Worker', role: 'execution', backend: 'cli', command: slow }] }), log: silentLogger });
    petrarch.cleanup(() => remote.stop());
    const quimbot = workspace(t);
    const config = quimbot.config({ name: 'Quimbot', agents: [{ name: 'Codex', role: 'execution' }], peers: [{ name: 'Petrarch', url: remote.url }] });
    const first = await startDaemon({ config, log: silentLogger });
    addCard(quimbot, '- **Slow remote** @Petrarch @Worker');
    await petrarch.waitFor((b) => b.cards.some((c) => c.title === 'Slow remote' && c.column === 'in_progress'), 'the card running on the peer');
    await first.stop();
    assert.equal(petrarch.board().cards.find((c) => c.title === 'Slow remote')?.column, 'in_progress', 'stopping here did not cancel it there');
    const second = await startDaemon({ config, log: silentLogger });
    quimbot.cleanup(() => second.stop());
    const board = await quimbot.waitFor((b) => b.cards.some((c) => c.title === 'Slow remote' && c.column === 'done'), 'the card Done here');
    assert.match(board.cards[0]!.text, /✅ slow work done \(at Petrarch\)/);
    assert.equal(remote.store.state.runs.filter((r) => r.title === 'Slow remote').length, 1, 'the peer ran the card once');
  });
});
