import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket, WebSocketServer } from 'ws';
import { startDaemon } from '../src/daemon.ts';
import type { Daemon } from '../src/daemon.ts';
import { silentLogger } from '../src/log.ts';
import { PeerSocket, reconnectDelay } from '../src/protocol/a2a/ws-client.ts';
import { plantedDataset } from './helpers/datasets.ts';
import { addCardByHand, workspace } from './helpers/workspace.ts';
import type { Workspace } from './helpers/workspace.ts';

const FLAWS = { clean: 20, parseErrors: 1, missingMessages: 0, emptyAssistant: 0, alternation: 0, exactDuplicates: 0, emails: 0, phones: 0, ips: 0, noFinalPunct: 0, weightOutOfRange: 0, blankLines: 0 };

const socketUrl = (daemon: Daemon) => `${daemon.url.replace(/^http/, 'ws')}/a2a/ws`;

/** Opens a socket and says how the upgrade went: `open`, or the HTTP status it was refused with. */
function tryOpen(url: string, headers: Record<string, string> = {}): Promise<{ status: number | 'open'; ws: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve({ status: 'open', ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, ws });
      res.resume();
      ws.terminate();
    });
    ws.once('error', (error) => reject(error));
  });
}

/** Frames as they arrive on a raw socket, to read in order. */
function frames(ws: WebSocket): () => Promise<Record<string, any>> {
  const queue: Array<Record<string, any>> = [];
  const waiting: Array<(frame: Record<string, any>) => void> = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as Record<string, any>;
    const wake = waiting.shift();
    if (wake) wake(frame);
    else queue.push(frame);
  });
  return () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiting.push(resolve)));
}

async function peerSockets(daemon: Daemon): Promise<{ open: number; connections: number; requests: number }> {
  return ((await (await fetch(`${daemon.url}/healthz`)).json()) as { peerSockets: { open: number; connections: number; requests: number } }).peerSockets;
}

async function until<T>(read: () => Promise<T>, match: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (match(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(20);
  }
}

async function petrarch(t: TestContext, raw: Record<string, unknown> = {}): Promise<{ ws: Workspace; daemon: Daemon }> {
  const ws = workspace(t);
  ws.write('data/x.jsonl', plantedDataset(FLAWS).text);
  const daemon = await startDaemon({ config: ws.config({ name: 'Petrarch', agents: [{ name: 'Cursor', role: 'execution' }], ...raw }), log: silentLogger });
  ws.cleanup(() => daemon.stop());
  return { ws, daemon };
}

async function quimbot(t: TestContext, peer: Daemon): Promise<{ ws: Workspace; daemon: Daemon }> {
  const ws = workspace(t);
  const daemon = await startDaemon({ config: ws.config({ name: 'Quimbot', agents: [{ name: 'Codex', role: 'execution' }], peers: [{ name: 'Petrarch', url: peer.url }] }), log: silentLogger });
  ws.cleanup(() => daemon.stop());
  return { ws, daemon };
}

describe('the peers\' WebSocket: server side', () => {
  test('the upgrade needs a peer\'s token and a local origin, like /a2a', async (t) => {
    process.env.QUIMBOT_TEST_WS_TOKEN = 'ws-s3cret';
    const { daemon } = await petrarch(t, { peers: [{ name: 'Quimbot', url: 'http://127.0.0.1:9', tokenEnv: 'QUIMBOT_TEST_WS_TOKEN' }] });
    assert.equal((await tryOpen(socketUrl(daemon))).status, 401);
    assert.equal((await tryOpen(socketUrl(daemon), { authorization: 'Bearer not-the-token' })).status, 401);
    assert.equal((await tryOpen(socketUrl(daemon), { authorization: 'Bearer ws-s3cret', origin: 'https://evil.example' })).status, 403);
    assert.equal((await tryOpen(`${daemon.url.replace(/^http/, 'ws')}/elsewhere`, { authorization: 'Bearer ws-s3cret' })).status, 404);
    const { status, ws } = await tryOpen(socketUrl(daemon), { authorization: 'Bearer ws-s3cret' });
    assert.equal(status, 'open');
    ws.close();
    assert.equal((await peerSockets(daemon)).connections, 1, 'only the upgrade with the token became a socket');
  });

  test('a malformed frame gets a JSON-RPC error and the socket stays usable', async (t) => {
    const { daemon } = await petrarch(t);
    const { ws } = await tryOpen(socketUrl(daemon));
    t.after(() => ws.terminate());
    const next = frames(ws);
    ws.send('{ not json');
    assert.deepEqual(pick(await next()), { id: null, code: -32700 });
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 42 }));
    assert.deepEqual(pick(await next()), { id: 5, code: -32600 });
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'GetTask', params: ['x'] }));
    assert.deepEqual(pick(await next()), { id: 6, code: -32600 });
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.deepEqual(pick(await next()), { id: null, code: -32600 });
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'NoSuchMethod', params: {} }));
    assert.deepEqual(pick(await next()), { id: 7, code: -32601 });
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'GetTask', params: { id: 'no-such-task' } }));
    assert.deepEqual(pick(await next()), { id: 8, code: -32001 });
    // Still the same socket, still served: a card sent as a message streams back to its end.
    const message = { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: '**Audit X** `/data audit data/x.jsonl --no-near`' }] };
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'stream-1', method: 'SendStreamingMessage', params: { message } }));
    const events: Array<Record<string, any>> = [];
    for (let frame = await next(); frame.method !== 'StreamEnd'; frame = await next()) {
      assert.equal(frame.id, 'stream-1');
      events.push(frame.result);
    }
    assert.equal(events[0]!.task.status.state, 'TASK_STATE_SUBMITTED');
    assert.equal(events.at(-1)!.statusUpdate.status.state, 'TASK_STATE_COMPLETED');
    assert.ok(events.some((e) => /21 rows in 1 file/.test(e.artifactUpdate?.artifact.parts[0].text ?? '')));
    assert.equal(ws.readyState, WebSocket.OPEN);
  });
});

describe('the peers\' WebSocket: per-request parameters and stream cancels', () => {
  test("a frame's own service parameters count for that request alone: an A2A version the agent does not speak is refused", async (t) => {
    const { daemon } = await petrarch(t);
    const { ws } = await tryOpen(socketUrl(daemon));
    t.after(() => ws.terminate());
    const next = frames(ws);
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 'x' }, serviceParameters: { 'A2A-Version': '9.9' } }));
    assert.deepEqual(pick(await next()), { id: 1, code: -32009 });
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'GetTask', params: { id: 'x' }, serviceParameters: { 'a2a-version': '1.0' } }));
    assert.deepEqual(pick(await next()), { id: 2, code: -32001 }, 'the next frame, in the version the agent speaks, is served');
  });

  test('a stream the client cancels sends no more frames; the task goes on and the socket serves the rest', async (t) => {
    const { ws: board, daemon } = await petrarch(t);
    const { ws } = await tryOpen(socketUrl(daemon));
    t.after(() => ws.terminate());
    const seen: Array<Record<string, any>> = [];
    ws.on('message', (data) => seen.push(JSON.parse(data.toString()) as Record<string, any>));
    // Nobody on Petrarch's team takes a card for @Someone: the task stays working until a person ends it.
    const message = { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: '**Ask around** @Someone' }] };
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'stream-1', method: 'SendStreamingMessage', params: { message } }));
    const working = await until(async () => seen, (frames) => frames.some((f) => f.result?.statusUpdate?.status.state === 'TASK_STATE_WORKING'), 'the task working');
    const taskId = working[0]!.result.task.id as string;
    ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'StreamCancel', params: { id: 'stream-1' } }));
    const cancelledAt = seen.length;

    const text = board.read('kanban/KANBAN.md');
    const lines = board.board().cards[0]!.text;
    board.write('kanban/KANBAN.md', text.replace(lines, '').replace('## Done\n', `## Done\n${lines}  - ✅ asked everyone\n`));
    let id = 0;
    await until(
      async () => {
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: ++id, method: 'GetTask', params: { id: taskId } }));
        await sleep(50);
        return seen.filter((f) => f.id === id).map((f) => f.result?.status?.state as string);
      },
      (states) => states.includes('TASK_STATE_COMPLETED'),
      'the task completed, as GetTask tells it',
    );
    assert.deepEqual(seen.slice(cancelledAt).filter((f) => f.id === 'stream-1' || f.params?.id === 'stream-1'), [], 'no frame of the cancelled stream');
  });

  test('a client that stops reading a stream, or aborts it, tells the server so', async (t) => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    const received: Array<Record<string, any>> = [];
    server.on('connection', (ws) =>
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as Record<string, any>;
        received.push(frame);
        // Every stream gets one event and then stays open.
        if (frame.id !== undefined) ws.send(JSON.stringify({ jsonrpc: '2.0', id: frame.id, result: { n: 1 } }));
      }),
    );
    await new Promise((resolve) => server.once('listening', resolve));
    const socket = new PeerSocket({ url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, log: silentLogger });
    t.after(async () => {
      await socket.close();
      await new Promise((resolve) => server.close(resolve));
    });
    assert.equal(await socket.opened(2000), true);
    for await (const event of socket.stream('SubscribeToTask', { id: 'a' }, undefined, { 'A2A-Extensions': 'https://example.com/ext' })) {
      assert.deepEqual(event, { n: 1 });
      break;
    }
    const aborting = new AbortController();
    const reading = (async () => {
      for await (const _ of socket.stream('SubscribeToTask', { id: 'b' }, aborting.signal)) aborting.abort();
    })();
    await assert.rejects(reading, { name: 'AbortError' });
    const cancels = await until(async () => received.filter((f) => f.method === 'StreamCancel'), (frames) => frames.length === 2, 'two cancel frames');
    const [first, second] = received.filter((f) => f.method === 'SubscribeToTask');
    assert.deepEqual(first!.serviceParameters, { 'A2A-Extensions': 'https://example.com/ext' });
    assert.deepEqual(cancels.map((f) => f.params.id), [first!.id, second!.id]);
  });
});

describe('the peers\' WebSocket: delegation', () => {
  test('a card delegated to a peer travels over its socket, not HTTP', async (t) => {
    const remote = await petrarch(t);
    const local = await quimbot(t, remote.daemon);
    local.ws.write('kanban/KANBAN.md', addCardByHand(local.ws.read('kanban/KANBAN.md'), 'Backlog', '- **Audit on Petrarch** `/data audit data/x.jsonl --no-near` @Petrarch'));
    const board = await local.ws.waitFor((b) => b.cards.some((c) => c.column === 'done'), 'the card Done here');
    assert.match(board.cards[0]!.text, /✅ 21 rows in 1 file.* \(at Petrarch\)/);
    const served = await peerSockets(remote.daemon);
    assert.equal(served.open, 1, 'one socket from Quimbot');
    assert.ok(served.requests >= 1, 'the message went over the socket');
    const [link] = await local.daemon.peers.states();
    assert.deepEqual([link?.socket, link?.requests.http], ['open', 0], 'no request fell back to HTTP');
  });

  test('the socket cut mid-flight: the run rides it out, the socket comes back, and the peer runs the card once', async (t) => {
    const slow = `node -e 'setTimeout(() => console.log("slow work done"), 1500)' {card}`;
    const remote = await petrarch(t, { agents: [{ name: 'Worker', role: 'execution', backend: 'cli', command: slow }] });
    const local = await quimbot(t, remote.daemon);
    local.ws.write('kanban/KANBAN.md', addCardByHand(local.ws.read('kanban/KANBAN.md'), 'Backlog', '- **Slow remote** @Petrarch @Worker'));
    await remote.ws.waitFor((b) => b.cards.some((c) => c.title === 'Slow remote' && c.column === 'in_progress'), 'the card running on the peer');
    assert.equal((await peerSockets(remote.daemon)).open, 1);
    remote.daemon.listener.peerSockets!.dropAll();
    const board = await local.ws.waitFor((b) => b.cards.some((c) => c.title === 'Slow remote' && c.column === 'done'), 'the card Done here');
    assert.match(board.cards[0]!.text, /✅ slow work done \(at Petrarch\)/);
    assert.equal(remote.ws.board().cards.filter((c) => c.title === 'Slow remote').length, 1);
    assert.equal(remote.daemon.store.state.runs.filter((r) => r.title === 'Slow remote').length, 1, 'the peer ran the card once');
    assert.equal(local.daemon.store.state.runs.find((r) => r.title === 'Slow remote')?.attempts, 1, 'the run here did not fail and start over');
    const served = await until(() => peerSockets(remote.daemon), (s) => s.open === 1, 'the socket back');
    assert.equal(served.connections, 2, 'Quimbot reconnected');
    const [link] = await local.daemon.peers.states();
    assert.ok((link?.requests.http ?? 0) >= 1, 'while the socket was down, the task was asked after over HTTP');
  });

  test('the peer restarts mid-flight: the run waits for it, follows the task without a stream, and the card completes', async (t) => {
    const port = await freePort();
    const there = workspace(t);
    const slow = `node -e 'setTimeout(() => console.log("slow work done"), 1000)' {card}`;
    const config = there.config({ name: 'Petrarch', agents: [{ name: 'Worker', role: 'execution', backend: 'cli', command: slow }], listen: { port } });
    let remote = await startDaemon({ config, log: silentLogger });
    there.cleanup(() => remote.stop());
    const local = await quimbot(t, remote);
    local.ws.write('kanban/KANBAN.md', addCardByHand(local.ws.read('kanban/KANBAN.md'), 'Backlog', '- **Slow remote** @Petrarch @Worker'));
    await there.waitFor((b) => b.cards.some((c) => c.title === 'Slow remote' && c.column === 'in_progress'), 'the card running on the peer');
    await remote.stop();
    remote = await startDaemon({ config, log: silentLogger });
    const board = await local.ws.waitFor((b) => b.cards.some((c) => c.title === 'Slow remote' && c.column === 'done'), 'the card Done here', 20_000);
    assert.match(board.cards[0]!.text, /✅ slow work done \(at Petrarch\)/);
    assert.equal(there.board().cards.filter((c) => c.title === 'Slow remote').length, 1, 'one card on the peer');
    assert.equal(local.daemon.store.state.runs.find((r) => r.title === 'Slow remote')?.attempts, 1, 'the run here waited rather than failing');
  });
});

describe('the peers\' WebSocket: client side', () => {
  test('reconnect delays grow exponentially to the cap, with jitter in the upper half', () => {
    const backoff = { baseMs: 100, maxMs: 1000 };
    const cases: Array<[attempt: number, random: number, ms: number]> = [
      [0, 0, 50],
      [0, 1, 100],
      [1, 0, 100],
      [3, 0.5, 600],
      [4, 1, 1000],
      [40, 0, 500],
    ];
    for (const [attempt, random, ms] of cases) assert.equal(reconnectDelay(attempt, backoff, () => random), ms, `attempt ${attempt}, random ${random}`);
  });

  test('a socket whose server stops answering pings is dropped and opened again', async (t) => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', autoPong: false });
    let connections = 0;
    server.on('connection', () => connections++);
    await new Promise((resolve) => server.once('listening', resolve));
    const socket = new PeerSocket({ url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, log: silentLogger, heartbeatMs: 100, backoff: { baseMs: 20, maxMs: 50 } });
    t.after(async () => {
      await socket.close();
      await new Promise((resolve) => server.close(resolve));
    });
    assert.equal(await socket.opened(2000), true);
    await until(async () => connections, (n) => n >= 2, 'a second connection after the missed pong', 3000);
  });

  test('while the socket is down a request fails at once with SOCKET_DOWN (the transport then uses HTTP)', async () => {
    const socket = new PeerSocket({ url: 'ws://127.0.0.1:9/a2a/ws', log: silentLogger, backoff: { baseMs: 60_000, maxMs: 60_000 } });
    try {
      assert.equal(await socket.opened(2000), false);
      assert.equal(socket.state, 'down');
      await assert.rejects(socket.request('GetTask', { id: 'x' }), { name: 'PeerSocketError', code: 'SOCKET_DOWN' });
    } finally {
      await socket.close();
    }
  });
});

function pick(frame: Record<string, any>): { id: unknown; code: unknown } {
  return { id: frame.id, code: frame.error?.code };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
