import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { startDaemon } from '../src/daemon.ts';
import { silentLogger } from '../src/log.ts';
import { plantedDataset } from './helpers/datasets.ts';
import { anthropicProvider, openaiProvider } from './helpers/providers.ts';
import type { Provider, Reply } from './helpers/providers.ts';
import { addCardByHand, EMPTY_BOARD, workspace } from './helpers/workspace.ts';

const KEY_ENV = 'QUIMBOT_TEST_PROVIDER_KEY';
const DATA = plantedDataset({ clean: 20, parseErrors: 1, missingMessages: 0, emptyAssistant: 2, alternation: 0, exactDuplicates: 0, emails: 0, phones: 0, ips: 0, noFinalPunct: 0, weightOutOfRange: 0, blankLines: 0 }).text;
const AUDIT_CALL: Reply = { tool: { name: 'data_audit', input: { files: ['data/x.jsonl'], near: false } } };

before(() => {
  process.env[KEY_ENV] = 'sk-test-not-a-real-key';
});

/** A workspace whose one agent talks to a loopback provider, and the daemon serving it. */
async function team(t: TestContext, kind: 'anthropic' | 'openai', script: Reply[], card: string): Promise<{ provider: Provider; ws: ReturnType<typeof workspace> }> {
  const provider = await (kind === 'anthropic' ? anthropicProvider(script) : openaiProvider(script));
  t.after(() => provider.close());
  const ws = workspace(t, addCardByHand(EMPTY_BOARD, 'Backlog', card));
  ws.write('data/x.jsonl', DATA);
  const name = kind === 'anthropic' ? 'Claude' : 'Codex';
  const config = ws.config({
    agents: [{ name, role: 'lead', backend: kind, model: `${kind}-test`, apiKeyEnv: KEY_ENV, baseURL: kind === 'anthropic' ? provider.url : `${provider.url}/v1` }],
    scheduler: { pollMs: 200, leaseMs: 3000, backoffMs: 50, maxAttempts: 3 },
    prices: { [`${kind}-test`]: { input: 3, output: 15 } },
  });
  const daemon = await startDaemon({ config, log: silentLogger });
  ws.cleanup(() => daemon.stop());
  Object.assign(ws, { daemon });
  return { provider, ws };
}

describe('model backends through the daemon', () => {
  test('Anthropic: the model calls the audit tool over a streamed tool_use, gets the result, and the card is Done', async (t) => {
    const { provider, ws } = await team(t, 'anthropic', [AUDIT_CALL, { text: 'I audited the file.\n23 rows: 1 parse error, 2 empty assistant turns.' }], '- **Audit X with Claude** @Claude check data/x.jsonl');
    const board = await ws.waitFor((b) => b.cards.some((c) => c.column === 'done'), 'the card in Done');
    const card = board.cards[0]!;
    assert.equal(card.owner, 'Claude');
    assert.match(card.text, /✅ 23 rows: 1 parse error, 2 empty assistant turns\./);
    assert.equal(provider.requests.length, 2);
    const first = provider.requests[0]!;
    assert.equal(first.stream, true);
    assert.equal(first.model, 'anthropic-test');
    assert.ok((first.tools as Array<{ name: string }>).some((tool) => tool.name === 'data_audit'));
    const [, assistant, results] = provider.requests[1]!.messages as Array<{ role: string; content: unknown }>;
    assert.equal(assistant!.role, 'assistant');
    const result = (results!.content as Array<{ type: string; tool_use_id: string; content: string }>)[0]!;
    assert.deepEqual([result.type, result.tool_use_id], ['tool_result', 'toolu_1']);
    assert.match(result.content, /23 rows in 1 file/);
  });

  test('OpenAI: function calling over streamed chunks, tool results sent back by tool_call_id', async (t) => {
    const { provider, ws } = await team(t, 'openai', [AUDIT_CALL, { text: 'Audit done: 23 rows, 1 parse error.' }], '- **Audit X with Codex** @Codex check data/x.jsonl');
    const board = await ws.waitFor((b) => b.cards.some((c) => c.column === 'done'), 'the card in Done');
    assert.match(board.cards[0]!.text, /✅ Audit done: 23 rows, 1 parse error\./);
    const messages = provider.requests[1]!.messages as Array<{ role: string; tool_call_id?: string; content: string; tool_calls?: unknown[] }>;
    assert.deepEqual(messages.map((m) => m.role), ['system', 'user', 'assistant', 'tool']);
    assert.equal(messages[3]!.tool_call_id, 'call_1');
    assert.match(messages[3]!.content, /parse errors\s+1/);
  });

  test('402 Payment Required blocks the card with the reason in words, without retrying', async (t) => {
    const { provider, ws } = await team(t, 'anthropic', [{ status: 402, error: 'Your credit balance is too low' }], '- **OpenRouter scale-out generation** @Claude generate 1,000 rows');
    const board = await ws.waitFor((b) => b.cards.some((c) => c.column === 'blocked'), 'the card in Blocked');
    assert.equal(board.cards[0]!.blockedReason, 'HTTP 402 Payment Required');
    assert.equal(provider.requests.length, 1);
  });

  test('429 then 200: retried after the provider\'s retry-after, then Done, with the retry in the history', async (t) => {
    const { provider, ws } = await team(
      t,
      'openai',
      [{ status: 429, headers: { 'retry-after': '0' }, error: 'Rate limit reached' }, { text: 'Generated 10 rows.' }],
      '- **Generate a few rows** @Codex',
    );
    const board = await ws.waitFor((b) => b.cards.some((c) => c.column === 'done'), 'the card in Done');
    assert.match(board.cards[0]!.text, /✅ Generated 10 rows\./);
    assert.equal(provider.requests.length, 2);
    const { daemon } = ws as unknown as { daemon: Awaited<ReturnType<typeof startDaemon>> };
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(daemon.store.state.history.some((e) => e.kind === 'retry' && e.detail === 'HTTP 429 Too Many Requests'));
    assert.equal(daemon.store.state.ledger.length, 1);
    assert.equal(daemon.store.state.ledger[0]!.costUsd, (100 * 3 + 20 * 15) / 1e6);
  });
});

describe('the lead splits a card', () => {
  test('Claude adds sub-cards for Cursor with board_add; Cursor runs them; all end in Done', async (t) => {
    const script: Reply[] = [
      { tool: { name: 'board_add', input: { title: '**Audit part A** `/data audit data/x.jsonl --no-near` @Cursor' } } },
      { tool: { name: 'board_add', input: { title: '**Audit part B** `/data audit data/x.jsonl --no-near` @Cursor' } } },
      { text: 'Split into two audits for Cursor.' },
    ];
    const provider = await anthropicProvider(script);
    t.after(() => provider.close());
    const ws = workspace(t, addCardByHand(EMPTY_BOARD, 'Backlog', '- **Plan the audits** @Claude'));
    ws.write('data/x.jsonl', DATA);
    const config = ws.config({
      agents: [
        { name: 'Claude', role: 'lead', backend: 'anthropic', model: 'anthropic-test', apiKeyEnv: KEY_ENV, baseURL: provider.url },
        { name: 'Cursor', role: 'execution', concurrency: 2 },
      ],
    });
    const daemon = await startDaemon({ config, log: silentLogger });
    ws.cleanup(() => daemon.stop());
    const board = await ws.waitFor((b) => b.cards.length === 3 && b.cards.every((c) => c.column === 'done'), 'all three cards in Done');
    assert.deepEqual(
      Object.fromEntries(board.cards.map((c) => [c.title, c.owner])),
      { 'Plan the audits': 'Claude', 'Audit part A': 'Cursor', 'Audit part B': 'Cursor' },
    );
    assert.match(board.cards.find((c) => c.title === 'Plan the audits')!.text, /✅ Split into two audits for Cursor\./);
    assert.match(board.cards.find((c) => c.title === 'Audit part B')!.text, /✅ .*23 rows/);
  });
});
