import assert from 'node:assert/strict';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { parseBoard } from '../src/board/index.ts';
import { startDaemon } from '../src/daemon.ts';
import type { Daemon } from '../src/daemon.ts';
import { silentLogger } from '../src/log.ts';
import { EventHub, webEvent } from '../src/protocol/web/events.ts';
import { openEvents } from './helpers/sse.ts';
import { EMPTY_BOARD, workspace } from './helpers/workspace.ts';
import type { Workspace } from './helpers/workspace.ts';
import { alive, waitUntil } from './helpers/wait.ts';

const SEED = readFileSync(new URL('../kanban/KANBAN.md', import.meta.url), 'utf8');
/** An agent that takes only the cards that mention it, so the seed's cards stay where they are. */
const WORKER = (script = 'setTimeout(() => {}, 60000)') => ({
  agents: [{ name: 'Worker', role: 'execution', backend: 'cli', command: `node -e '${script}' {card}`, timeoutMs: 30_000 }],
});

async function daemonOn(t: Parameters<typeof workspace>[0], board: string, script?: string): Promise<{ ws: Workspace; daemon: Daemon }> {
  const ws = workspace(t, board);
  const daemon = await startDaemon({ config: ws.config(WORKER(script)), log: silentLogger });
  ws.cleanup(() => daemon.stop());
  return { ws, daemon };
}

async function post(daemon: Daemon, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const response = await fetch(`${daemon.url}/api/actions`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}


/** A GET whose path is sent exactly as written (fetch would resolve `..` before sending). */
function rawGet(url: string, path: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(url), { path, method: 'GET' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the web view API', () => {
  test('GET /api/board is the file as the parser reads it, columns in file order, with store state beside each card', async (t) => {
    const { ws, daemon } = await daemonOn(t, SEED);
    const response = await fetch(`${daemon.url}/api/board`);
    assert.equal(response.status, 200);
    const view = (await response.json()) as any;
    const board = parseBoard(ws.read('kanban/KANBAN.md'));
    assert.equal(view.path, 'kanban/KANBAN.md');
    assert.equal(view.lastSynced, '2026-02-17 19:00 ET (evening standup)');
    assert.deepEqual(
      view.columns.map((c: any) => [c.kind, c.heading, c.cards.length]),
      board.columns.map((c) => [c.kind, c.heading, c.cards.length]),
    );
    assert.deepEqual(
      view.columns.flatMap((c: any) => c.cards.map((card: any) => [card.id, card.title, card.owner, card.blockedReason, card.text, card.line])),
      board.columns.flatMap((c) => c.cards.map((card) => [card.id, card.title, card.owner, card.blockedReason, card.text, card.line])),
    );
    const blocked = view.columns.find((c: any) => c.kind === 'blocked').cards[0];
    assert.equal(blocked.blockedReason, 'HTTP 402 Payment Required');
    assert.equal(blocked.lease, null);
    assert.deepEqual(view.sections.map((s: any) => s.heading), ['KANBAN.md — Quimbot Project Board', '📝 Notes']);
  });

  test("a card's links: its run log by run id, reports under reports/ by URL, other paths as paths", async (t) => {
    const card = '- **Audit X** — Cursor\n  - ✅ 49 rows ([log](../.quimbot/runs/m1abc-0f0f0f.log)) · reports/audit x.md · reports/x.md · data/out.jsonl\n  - see [the recipe](../recipes/stage1.yaml) and [docs](https://example.com/)\n';
    const { daemon } = await daemonOn(t, EMPTY_BOARD.replace('## Done\n', `## Done\n${card}`));
    const view = (await (await fetch(`${daemon.url}/api/board`)).json()) as any;
    const done = view.columns.find((c: any) => c.kind === 'done').cards[0];
    assert.deepEqual(done.links, [
      { kind: 'run', label: 'log', runId: 'm1abc-0f0f0f' },
      { kind: 'file', label: 'the recipe', path: 'recipes/stage1.yaml' },
      { kind: 'report', label: 'reports/x.md', url: '/reports/x.md' },
      { kind: 'file', label: 'data/out.jsonl', path: 'data/out.jsonl' },
    ]);
  });

  test('/api/events: a card a human appends to the file reaches the page within a second', async (t) => {
    const { ws, daemon } = await daemonOn(t, SEED);
    const events = await openEvents(`${daemon.url}/api/events`);
    t.after(() => events.close());
    assert.equal(events.status, 200);
    assert.match(events.headers.get('content-type') ?? '', /^text\/event-stream/);
    await events.next('hello');
    const before = Date.now();
    ws.write('kanban/KANBAN.md', `${ws.read('kanban/KANBAN.md').replace('## 📋 Backlog\n', '## 📋 Backlog\n- Appended by hand\n')}`);
    const event = await events.next('board', 1000);
    assert.ok(event.at - before < 1000, `the event came after ${event.at - before} ms`);
    assert.equal(JSON.parse(event.data).own, false);
    const view = (await (await fetch(`${daemon.url}/api/board`)).json()) as any;
    assert.ok(view.columns.find((c: any) => c.kind === 'backlog').cards.some((c: any) => c.title === 'Appended by hand'));
  });

  test('POST move runs board_move: the file changes by that card only, every other byte kept', async (t) => {
    const text = '# Board\r\n\r\n## Backlog\r\n- **Alpha** keep  trailing  \r\n- Beta 🚀\r\n  - nested note\r\n\r\n## Done\r\n- Old â€” mojibake\r\n\r\n## Notes\r\n- keep me\r\n';
    const { ws, daemon } = await daemonOn(t, text);
    const beta = parseBoard(text).cards.find((c) => c.title === 'Beta 🚀')!;
    const { status, body } = await post(daemon, { action: 'move', card: beta.id, column: 'done' });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.tool, 'board_move');
    assert.equal(body.output.card.column, 'done');
    assert.equal(
      ws.read('kanban/KANBAN.md'),
      `# Board\r\n\r\n## Backlog\r\n- **Alpha** keep  trailing  \r\n\r\n## Done\r\n- Old â€” mojibake\r\n- Beta 🚀 <!-- q:${beta.id} -->\r\n  - nested note\r\n\r\n## Notes\r\n- keep me\r\n`,
    );
  });

  const refusals: Array<{ name: string; body: unknown; headers?: Record<string, string>; status: number; code: string }> = [
    { name: 'no action', body: { card: 'x' }, status: 400, code: 'BAD_REQUEST' },
    { name: 'an unknown action', body: { action: 'delete', card: 'x' }, status: 400, code: 'BAD_REQUEST' },
    { name: 'move without a column', body: { action: 'move', card: 'x' }, status: 400, code: 'BAD_REQUEST' },
    { name: 'an unknown column', body: { action: 'move', card: 'x', column: 'limbo' }, status: 400, code: 'BAD_REQUEST' },
    { name: 'an extra field', body: { action: 'add', title: 'x', sneaky: true }, status: 400, code: 'BAD_REQUEST' },
    { name: 'an empty title', body: { action: 'add', title: '  ' }, status: 400, code: 'BAD_REQUEST' },
    { name: 'a body that is not JSON', body: '{"action":', status: 400, code: 'BAD_JSON' },
    { name: 'a form post', body: 'action=add&title=x', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: 'text/plain (a cross-site simple request)', body: '{"action":"add","title":"x"}', headers: { 'content-type': 'text/plain' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: 'a loopback page of another port', body: { action: 'add', title: 'x' }, headers: { 'content-type': 'application/json', origin: 'http://127.0.0.1:1' }, status: 403, code: 'CROSS_ORIGIN' },
    { name: 'a cross-site fetch', body: { action: 'add', title: 'x' }, headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, status: 403, code: 'CROSS_ORIGIN' },
    { name: 'a card that is not there', body: { action: 'move', card: 'nosuchcard', column: 'done' }, status: 404, code: 'CARD_NOT_FOUND' },
    { name: 'retry of a card that is not Blocked', body: { action: 'retry', card: 'Run Stage 1' }, status: 409, code: 'CARD_NOT_BLOCKED' },
    { name: 'cancel of a card that is not running', body: { action: 'cancel', card: 'Run Stage 1' }, status: 409, code: 'CARD_NOT_RUNNING' },
    { name: 'cancel of a card In Progress with no run', body: { action: 'cancel', card: 'Write build recipe' }, status: 409, code: 'CARD_NOT_RUNNING' },
  ];
  test('a bad POST is refused with a stable code and the file is untouched', async (t) => {
    const { ws, daemon } = await daemonOn(t, SEED);
    for (const refusal of refusals) {
      const { status, body } = await post(daemon, refusal.body, refusal.headers);
      assert.equal(status, refusal.status, `${refusal.name}: ${JSON.stringify(body)}`);
      assert.equal(body.error?.code, refusal.code, refusal.name);
      assert.equal(typeof body.error?.message, 'string', refusal.name);
      assert.equal(ws.read('kanban/KANBAN.md'), SEED, refusal.name);
    }
    const foreign = await post(daemon, { action: 'add', title: 'x' }, { 'content-type': 'application/json', origin: 'https://evil.example' });
    assert.equal(foreign.status, 403, 'the listener refuses foreign origins on loopback before the API sees them');
    const unknown = await fetch(`${daemon.url}/api/nothing-here`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as any).error.code, 'NOT_FOUND');
  });

  test('add, cancel and retry go through the board tools; cancelling from the page stops the run and its process', async (t) => {
    const script = 'require("fs").writeFileSync("pid.txt", String(process.pid)); console.log("working on it"); setTimeout(() => {}, 60000)';
    const { ws, daemon } = await daemonOn(t, EMPTY_BOARD, script);
    const added = await post(daemon, { action: 'add', title: '**Slow job** @Worker' });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.equal(added.body.tool, 'board_add');
    const id = added.body.output.card.id as string;
    await ws.waitFor((b) => b.cards.some((c) => c.id === id && c.column === 'in_progress'), 'the card In Progress');
    await waitUntil(() => existsSync(join(ws.dir, 'pid.txt')), 'the agent process to start');
    const pid = Number(ws.read('pid.txt'));
    const runId = daemon.store.state.runs.find((r) => r.cardId === id)!.id;

    const log = await openEvents(`${daemon.url}/api/runs/${runId}/log`);
    t.after(() => log.close());
    let streamed = '';
    while (!streamed.includes('working on it')) streamed += JSON.parse((await log.next('chunk')).data).text;
    assert.match(streamed, /^# Worker \(cli\) on "Slow job"/);
    const view = (await (await fetch(`${daemon.url}/api/board`)).json()) as any;
    const card = view.columns.find((c: any) => c.kind === 'in_progress').cards[0];
    assert.equal(card.lease.agent, 'Worker');
    assert.equal(card.lease.running, true);
    assert.ok(card.lease.expiresInMs > 0);

    const cancelled = await post(daemon, { action: 'cancel', card: id });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.tool, 'board_block');
    const end = JSON.parse((await log.next('end')).data);
    assert.equal(end.outcome, 'cancelled');
    await waitUntil(() => !alive(pid), 'the agent process to be gone');
    const blocked = ws.board().cards.find((c) => c.id === id)!;
    assert.equal(blocked.column, 'blocked');
    assert.equal(blocked.blockedReason, 'cancelled from the web view');

    const retried = await post(daemon, { action: 'retry', card: id });
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    await ws.waitFor((b) => b.cards.some((c) => c.id === id && c.column === 'in_progress'), 'the retried card In Progress again');
    // The board is written first; the run's record follows.
    await waitUntil(() => daemon.store.state.runs.filter((r) => r.cardId === id).length === 2, 'the second run to be recorded');
    const runs = (await (await fetch(`${daemon.url}/api/cards/${id}/runs`)).json()) as any;
    assert.equal(runs.runs.length, 2);
    assert.equal(runs.runs[1].outcome, 'cancelled');
    assert.deepEqual(runs.history.map((e: any) => e.kind).slice(0, 2), ['claimed', 'cancelled']);
    // Not left running when the daemon stops.
    assert.equal((await post(daemon, { action: 'cancel', card: id })).status, 200);
    await waitUntil(() => daemon.store.state.leases.length === 0, 'the second run to end');
  });

  test('team, cost, notes and reports: what the config, the store and the workspace hold; files served read-only inside reports/', async (t) => {
    const { ws, daemon } = await daemonOn(t, SEED);
    const events = await openEvents(`${daemon.url}/api/events`);
    t.after(() => events.close());
    await events.next('hello');
    const at = Date.parse('2026-02-17T12:00:00Z');
    await daemon.store.addUsage({ at, runId: 'r1', agent: 'Claude', provider: 'anthropic', model: 'claude-sonnet-4-5', inputTokens: 1000, outputTokens: 200, costUsd: 0.006 });
    await daemon.store.addUsage({ at: at + 86_400_000, runId: 'r2', agent: 'Codex', provider: 'openai', model: 'gpt-4.1-mini', inputTokens: 500, outputTokens: 100, costUsd: 0.001 });
    await events.next('state', 1000);
    const cost = (await (await fetch(`${daemon.url}/api/cost`)).json()) as any;
    assert.deepEqual(cost.byAgent.map((a: any) => [a.agent, a.calls, a.inputTokens]), [['Claude', 1, 1000], ['Codex', 1, 500]]);
    assert.deepEqual(cost.byDay.map((d: any) => d.day), ['2026-02-18', '2026-02-17']);
    assert.equal(cost.total.calls, 2);

    const client = new Client({ name: 'web-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${daemon.url}/mcp`)));
    ws.cleanup(() => client.close());
    const team = (await (await fetch(`${daemon.url}/api/team`)).json()) as any;
    assert.equal(team.mcpSessions, 1);
    assert.deepEqual(team.agents.map((a: any) => [a.name, a.backend]), [['Worker', 'cli']]);
    assert.equal(team.pages, 1);

    ws.write('memory/2026-02-17.md', '## Evening standup\n- done: things\n');
    ws.write('memory/notes.txt', 'not a daily note');
    const notes = (await (await fetch(`${daemon.url}/api/notes`)).json()) as any;
    assert.deepEqual(notes.notes.map((n: any) => n.name), ['2026-02-17.md']);
    assert.equal(await (await fetch(`${daemon.url}/api/notes/2026-02-17`)).text(), '## Evening standup\n- done: things\n');
    assert.equal((await fetch(`${daemon.url}/api/notes/last-week`)).status, 400);

    ws.write('reports/week-2026-02-17.md', '# Week\n![lengths](audit.charts/lengths.svg)\n');
    ws.write('reports/audit.charts/lengths.svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    ws.write('secret.md', 'outside the reports folder');
    symlinkSync(join(ws.dir, 'secret.md'), join(ws.dir, 'reports/link.md'));
    const reports = (await (await fetch(`${daemon.url}/api/reports`)).json()) as any;
    assert.equal(reports.weekly.url, '/reports/week-2026-02-17.md');
    const svg = await fetch(`${daemon.url}/reports/audit.charts/lengths.svg`);
    assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
    assert.match(svg.headers.get('content-security-policy') ?? '', /sandbox/);
    assert.equal(svg.headers.get('x-content-type-options'), 'nosniff');
    for (const path of ['/reports/../secret.md', '/reports/..%2fsecret.md', '/reports/%2e%2e/secret.md', '/reports/link.md', '/reports/nope.md']) {
      const response = await rawGet(daemon.url, path);
      assert.equal(response.status, 404, `${path}: ${response.status} ${response.text}`);
      assert.doesNotMatch(response.text, /outside the reports folder/);
    }
    assert.equal((await fetch(`${daemon.url}/static/../../package.json`)).status, 404);
  });
});

describe('the event hub', () => {
  test('a page that stops reading is dropped once its queue passes the bound; the others get every event; a full hub refuses more', async (t) => {
    const hub = new EventHub({ clients: 2 });
    const refused: number[] = [];
    const server = createServer((_req, res) => {
      if (!hub.add(res, webEvent.hello('test'))) {
        refused.push(1);
        res.statusCode = 503;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      hub.close();
      server.closeAllConnections();
      server.close();
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const reader = await openEvents(url);
    t.after(() => reader.close());
    await reader.next('hello');
    // A client that sends its request and then never reads a byte.
    const stalled = connect((server.address() as AddressInfo).port, '127.0.0.1');
    t.after(() => stalled.destroy());
    stalled.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    stalled.pause();
    while (hub.size < 2) await sleep(5);
    assert.equal((await fetch(url)).status, 503, 'a third page is refused while two listen');
    // Events of 4 KB, a few at a time so the page that reads keeps up, until the kernel's buffers
    // toward the stalled one are full and its queue grows past the bound.
    const filler = 'x'.repeat(4096);
    const limit = 50_000;
    let sent = 0;
    while (hub.size === 2 && sent < limit) {
      hub.send(webEvent.invalid('TEST', `${sent} ${filler}`));
      sent++;
      if (sent % 4 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(hub.size, 1, `the stalled page was dropped (after ${sent} events of 4 KB)`);
    assert.ok(sent < limit);
    hub.send(webEvent.state());
    await reader.next('state', 5000);
    const invalid = reader.seen.filter((e) => e.event === 'invalid').map((e) => Number(JSON.parse(e.data).message.split(' ')[0]));
    assert.deepEqual(invalid, [...Array(sent).keys()], 'the page that reads got every event, in order');
  });
});
