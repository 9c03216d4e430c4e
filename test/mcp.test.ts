import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { RequestOptions } from 'node:http';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startDaemon } from '../src/daemon.ts';
import { silentLogger } from '../src/log.ts';
import { listen } from '../src/protocol/http.ts';
import { createMcpServer } from '../src/protocol/mcp/server.ts';
import { findTool, TOOLS } from '../src/tools/index.ts';
import { plantedDataset } from './helpers/datasets.ts';
import { workspace } from './helpers/workspace.ts';

const SEED = readFileSync(new URL('../../shared/fixtures/seeds/KANBAN.clean.md', import.meta.url), 'utf8');
const BIN = fileURLToPath(new URL('../bin/quimbot.js', import.meta.url));
const FLAWS = { clean: 40, parseErrors: 2, missingMessages: 0, emptyAssistant: 3, alternation: 1, exactDuplicates: 2, emails: 1, phones: 0, ips: 0, noFinalPunct: 0, weightOutOfRange: 0, blankLines: 0 };

/** An MCP client connected in memory to a server over a temp workspace. */
async function connected(t: TestContext) {
  const ws = workspace(t, SEED);
  ws.write('data/x.jsonl', plantedDataset(FLAWS).text);
  const mcp = createMcpServer({ workspace: ws.dir, boardPath: ws.boardPath, memoryDir: join(ws.dir, 'memory'), reportsDir: join(ws.dir, 'reports'), log: silentLogger });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await mcp.server.connect(serverSide);
  const client = new Client({ name: 'quimbot-test', version: '1.0.0' });
  await client.connect(clientSide);
  ws.cleanup(() => client.close());
  return { ws, client, mcp };
}

describe('MCP server', () => {
  test('lists every registry tool with its input and output schema, title and hints', async (t) => {
    const { client } = await connected(t);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), TOOLS.map((tool) => tool.name).sort());
    const move = tools.find((tool) => tool.name === 'board_move')!;
    assert.equal(move.inputSchema.type, 'object');
    assert.deepEqual(move.inputSchema.required, ['card', 'column']);
    assert.equal(move.outputSchema?.type, 'object');
    assert.deepEqual([move.annotations?.readOnlyHint, move.annotations?.destructiveHint], [false, false]);
    assert.equal(tools.find((tool) => tool.name === 'data_audit')!.annotations?.readOnlyHint, true);
    assert.equal(client.getServerVersion()?.name, 'quimbot');
  });

  test('board_show and data_audit return structured results that match their output schemas', async (t) => {
    const { client } = await connected(t);
    const show = await client.callTool({ name: 'board_show', arguments: {} });
    assert.notEqual(show.isError, true);
    const board = findTool('board_show').output.parse(show.structuredContent) as { columns: Array<{ kind: string; cards: unknown[] }> };
    assert.deepEqual(board.columns.map((c) => [c.kind, c.cards.length]), [['done', 8], ['in_progress', 3], ['backlog', 5], ['blocked', 1]]);
    const progress: number[] = [];
    const audit = await client.callTool({ name: 'data_audit', arguments: { files: ['data/x.jsonl'], near: false } }, undefined, { onprogress: (p) => progress.push(p.progress) });
    const report = findTool('data_audit').output.parse(audit.structuredContent) as { rows: number; counts: { parse_errors: { count: number } } };
    assert.deepEqual([report.rows, report.counts.parse_errors.count], [49, 2]);
    assert.match((audit.content as Array<{ text: string }>)[0]!.text, /49 rows in 1 file/);
    assert.ok(progress.length > 0, 'progress notifications');
  });

  test('a bad argument and a path outside the workspace are isError results that say what is wrong', async (t) => {
    const { client } = await connected(t);
    const bad = await client.callTool({ name: 'board_move', arguments: { card: 'backlog:1', column: 'sideways' } });
    assert.equal(bad.isError, true);
    assert.match((bad.content as Array<{ text: string }>)[0]!.text, /INVALID_ARGUMENT: .*column: unknown column "sideways"/);
    const outside = await client.callTool({ name: 'data_audit', arguments: { files: ['../../etc/passwd'] } });
    assert.equal(outside.isError, true);
    assert.match((outside.content as Array<{ text: string }>)[0]!.text, /PATH_OUTSIDE_WORKSPACE: \.\.\/\.\.\/etc\/passwd: outside the workspace/);
    await assert.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }), /no tool named "no_such_tool"/);
  });

  test('a cancelled call stops the tool: no output is left', async (t) => {
    const { ws, client } = await connected(t);
    ws.write('data/big.jsonl', plantedDataset({ ...FLAWS, clean: 30_000 }).text);
    const controller = new AbortController();
    const call = client.callTool({ name: 'data_clean', arguments: { inputs: ['data/big.jsonl'], out: 'out/clean.jsonl' } }, undefined, {
      signal: controller.signal,
      onprogress: () => controller.abort('enough'),
    });
    await assert.rejects(call, /enough|abort/i);
    // Uncancelled, this clean (and its two audits) would finish well within the wait.
    const started = Date.now();
    const uncancelled = await client.callTool({ name: 'data_clean', arguments: { inputs: ['data/big.jsonl'], out: 'out/timed.jsonl' } });
    const took = Date.now() - started;
    assert.notEqual(uncancelled.isError, true);
    await new Promise((resolve) => setTimeout(resolve, took));
    assert.equal(existsSync(join(ws.dir, 'out/clean.jsonl')), false);
  });

  test('resources: the board, a card by template, prompts with the board attached', async (t) => {
    const { client } = await connected(t);
    const { resources } = await client.listResources();
    assert.equal(resources[0]!.uri, 'kanban://board');
    const board = await client.readResource({ uri: 'kanban://board' });
    assert.equal((board.contents[0] as { text: string }).text, SEED);
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.ok(resourceTemplates.some((r) => r.uriTemplate === 'kanban://card/{id}'));
    const show = await client.callTool({ name: 'board_show', arguments: {} });
    const id = (show.structuredContent as { columns: Array<{ cards: Array<{ id: string }> }> }).columns[0]!.cards[0]!.id;
    const card = await client.readResource({ uri: `kanban://card/${id}` });
    assert.match((card.contents[0] as { text: string }).text, /^- /);
    await assert.rejects(client.readResource({ uri: 'kanban://card/nope' }), /no resource/);
    const prompt = await client.getPrompt({ name: 'triage', arguments: { goal: 'Build the stage 1 mix' } });
    assert.match(JSON.stringify(prompt.messages), /Build the stage 1 mix/);
    const standup = await client.getPrompt({ name: 'standup' });
    assert.match(JSON.stringify(standup.messages), /kanban:\/\/board.*Write a short standup/);
  });

  test('daily notes and reports are resources too', async (t) => {
    const { ws, client } = await connected(t);
    ws.write('memory/2026-02-17.md', '# 2026-02-17\n\n## Evening standup\n');
    ws.write('reports/training_quality_audit.md', '# Dataset audit\n');
    const uris = (await client.listResources()).resources.map((r) => r.uri);
    assert.deepEqual(uris, ['kanban://board', 'memory://2026-02-17', 'report://training_quality_audit']);
    assert.match(((await client.readResource({ uri: 'memory://2026-02-17' })).contents[0] as { text: string }).text, /Evening standup/);
    assert.match(((await client.readResource({ uri: 'report://training_quality_audit' })).contents[0] as { text: string }).text, /Dataset audit/);
    await assert.rejects(client.readResource({ uri: 'report://../secrets' }), /no resource/);
  });
});

describe('quimbot mcp over stdio', () => {
  test('an independent process: tools listed and called, and a board edit by someone else is notified', async (t) => {
    const ws = workspace(t, SEED);
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], cwd: ws.dir, stderr: 'pipe' });
    const client = new Client({ name: 'quimbot-test', version: '1.0.0' });
    await client.connect(transport);
    ws.cleanup(() => client.close());
    const updated: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updated.push(n.params.uri);
    });
    assert.ok((await client.listTools()).tools.length >= TOOLS.length);
    const show = await client.callTool({ name: 'board_show', arguments: {} });
    assert.notEqual(show.isError, true);
    await client.subscribeResource({ uri: 'kanban://board' });
    writeFileSync(ws.boardPath, `${SEED}- a human note\n`);
    const deadline = Date.now() + 5000;
    while (!updated.includes('kanban://board') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(updated, ['kanban://board']);
  });

  test("tools read the workspace config's fine-tuning prices", async (t) => {
    const ws = workspace(t, SEED);
    writeFileSync(join(ws.dir, 'quimbot.config.json'), JSON.stringify({ fineTune: { 'gpt-4o-mini': { pricePerMillion: 1000 } } }));
    writeFileSync(join(ws.dir, 'x.jsonl'), `${JSON.stringify({ messages: [{ role: 'user', content: 'Hi?' }, { role: 'assistant', content: 'Hello.' }] })}\n`);
    const client = new Client({ name: 'quimbot-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], cwd: ws.dir, stderr: 'pipe' }));
    ws.cleanup(() => client.close());
    const audit = await client.callTool({ name: 'data_audit', arguments: { files: ['x.jsonl'], near: false } });
    assert.notEqual(audit.isError, true, JSON.stringify(audit.content));
    assert.equal((audit.structuredContent as { tokens: { price_per_million: number } }).tokens.price_per_million, 1000);
  });
});

describe('MCP over Streamable HTTP', () => {
  test('the daemon serves /mcp: tools, calls, and board notifications to a subscribed session', async (t) => {
    const ws = workspace(t, SEED);
    const daemon = await startDaemon({ config: ws.config({ agents: [{ name: 'Cursor', role: 'execution' }] }), log: silentLogger });
    ws.cleanup(() => daemon.stop());
    assert.match(daemon.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const client = new Client({ name: 'quimbot-http-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${daemon.url}/mcp`)));
    ws.cleanup(() => client.close());
    const updated: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updated.push(n.params.uri);
    });
    assert.equal((await client.listTools()).tools.length, TOOLS.length);
    const show = await client.callTool({ name: 'board_show', arguments: {} });
    assert.equal((show.structuredContent as { columns: unknown[] }).columns.length, 4);
    await client.subscribeResource({ uri: 'kanban://board' });
    writeFileSync(ws.boardPath, `${SEED}- a human note\n`);
    const deadline = Date.now() + 5000;
    while (!updated.includes('kanban://board') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(updated, ['kanban://board']);
  });

  test('DNS rebinding: a foreign Host header is refused; a token, when set, is required', async (t) => {
    const ws = workspace(t, SEED);
    const mcp = () => createMcpServer({ workspace: ws.dir, boardPath: ws.boardPath, memoryDir: join(ws.dir, 'memory'), reportsDir: join(ws.dir, 'reports'), log: silentLogger });
    const open = await listen({ host: '127.0.0.1', port: 0, token: null, mcp, log: silentLogger });
    ws.cleanup(() => open.close());
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
    const post = (url: string, headers: Record<string, string>) =>
      request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, JSON.stringify(init));
    assert.equal((await post(`${open.url}/mcp`, { host: 'evil.example:80' })).status, 403);
    assert.equal((await post(`${open.url}/mcp`, { origin: 'https://evil.example' })).status, 403);
    assert.equal((await post(`${open.url}/mcp`, { origin: 'http://localhost:3000' })).status, 200);
    assert.equal((await post(`${open.url}/mcp`, {})).status, 200);
    const guarded = await listen({ host: '127.0.0.1', port: 0, token: 's3cret-token', mcp, log: silentLogger });
    ws.cleanup(() => guarded.close());
    assert.equal((await post(`${guarded.url}/mcp`, {})).status, 401);
    assert.equal((await post(`${guarded.url}/mcp`, { authorization: 'Bearer s3cret-token' })).status, 200);
    await assert.rejects(listen({ host: '0.0.0.0', port: 0, token: null, mcp, log: silentLogger }), (e: { code?: string }) => e.code === 'TOKEN_REQUIRED');
  });
});

/** A raw HTTP request (node:http, so the Host header can be set), answering the status. */
function request(url: string, options: RequestOptions, body: string): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, options, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.once('error', reject);
    req.end(body);
  });
}
