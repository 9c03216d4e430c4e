import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startDaemon } from '../src/daemon.ts';
import { silentLogger } from '../src/log.ts';
import { DEFAULT_PROVIDERS } from '../src/providers/index.ts';
import type { ProviderAccess, Usage } from '../src/providers/index.ts';
import { JobBook } from '../src/store/index.ts';
import { findTool, runTool, workspaceResolver } from '../src/tools/index.ts';
import type { Progress } from '../src/tools/index.ts';
import { cleanRow, rng } from './helpers/datasets.ts';
import { openaiApi } from './helpers/openai-api.ts';
import type { OpenAiApi } from './helpers/openai-api.ts';
import { addCardByHand, EMPTY_BOARD, workspace } from './helpers/workspace.ts';

const KEY_ENV = 'QUIMBOT_TEST_FT_KEY';
const dir = mkdtempSync(join(tmpdir(), 'quimbot-ft-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(() => {
  process.env[KEY_ENV] = 'sk-test-ft';
});

const random = rng(8);
const rows = (n: number, extra: Record<string, unknown> = {}) => Array.from({ length: n }, (_, i) => JSON.stringify({ ...(cleanRow(random, i) as object), ...extra })).join('\n') + '\n';

async function api(options: Parameters<typeof openaiApi>[0] = {}): Promise<OpenAiApi> {
  const server = await openaiApi(options);
  after(() => server.close());
  return server;
}

let n = 0;
/** A workspace with a training file, and a way to run the ft tools against the loopback API. */
function setup(server: OpenAiApi, data = rows(12)) {
  const ws = join(dir, `ws-${++n}`);
  mkdirSync(join(ws, 'data'), { recursive: true });
  writeFileSync(join(ws, 'data/train.jsonl'), data);
  const usage: Usage[] = [];
  const phases: string[] = [];
  const messages: string[] = [];
  const providers: ProviderAccess = {
    providers: { ...DEFAULT_PROVIDERS, openai: { kind: 'openai', baseURL: `${server.url}/v1`, apiKeyEnv: KEY_ENV } },
    prices: {},
    env: process.env,
    usage: (u) => usage.push(u),
  };
  const run = (name: string, args: Record<string, unknown>, confirm?: (q: string) => Promise<boolean>) =>
    runTool(findTool(name), args, {
      workspace: ws,
      resolvePath: workspaceResolver(ws, true),
      signal: new AbortController().signal,
      progress: (p: Progress) => {
        if (p.phase) phases.push(p.phase);
        if (p.message) messages.push(p.message);
      },
      log: silentLogger,
      providers,
      ...(confirm ? { confirm } : {}),
    }) as Promise<Record<string, any>>;
  return { ws, run, usage, phases, messages, book: () => new JobBook(join(ws, '.quimbot/state.json')) };
}

describe('ft submit', () => {
  test('Unsloth rows are converted (weight stripped), uploaded as multipart, and the job is created and recorded with its estimate', async () => {
    const server = await api();
    const ft = setup(server, rows(12, { weight: 0.5, source: 'toefl' }));
    const result = await ft.run('ft_submit', { data: 'data/train.jsonl', model: 'gpt-4o-mini', epochs: 2, suffix: 'toefl', yes: true });
    assert.equal(result.converted, 'data/train.openai.jsonl');
    assert.equal(server.uploads.length, 1);
    assert.equal(server.uploads[0]!.purpose, 'fine-tune');
    assert.equal(server.uploads[0]!.filename, 'train.openai.jsonl');
    assert.doesNotMatch(server.uploads[0]!.text, /weight|toefl/);
    assert.equal(server.uploads[0]!.text.trim().split('\n').length, 12);
    assert.deepEqual(server.jobs[0]!.hyperparameters, { n_epochs: 2 });
    assert.equal(server.jobs[0]!.model, 'gpt-4o-mini-2024-07-18');
    assert.equal(result.job.id, 'ftjob-000001');
    assert.equal(result.job.status, 'validating_files');
    assert.ok(result.tokens > 100);
    assert.equal(result.job.estimate_usd, (result.tokens * 2 * 3) / 1e6);
    const [job] = ft.book().list();
    assert.deepEqual([job!.id, job!.fileId, job!.status], ['ftjob-000001', 'file-1', 'validating_files']);
  });

  test('the same data, model and settings again reattach to the job instead of paying twice', async () => {
    const server = await api();
    const ft = setup(server);
    const first = await ft.run('ft_submit', { data: 'data/train.jsonl', yes: true });
    const second = await ft.run('ft_submit', { data: 'data/train.jsonl', yes: true });
    assert.equal(second.reattached, true);
    assert.equal(second.job.id, first.job.id);
    assert.equal(server.uploads.length, 1);
    assert.equal(server.jobs.length, 1);
    const other = await ft.run('ft_submit', { data: 'data/train.jsonl', epochs: 4, yes: true });
    assert.equal(other.reattached, false);
    assert.equal(server.jobs.length, 2);
  });

  test('rows OpenAI takes and the cookbook flags (content parts, an image, a call without content, tool results) are uploaded as written', async () => {
    const server = await api();
    const call = { id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{"word":"cat"}' } };
    const data =
      rows(10) +
      [
        { messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }, { role: 'assistant', content: [{ type: 'text', text: 'A cat.' }] }] },
        { messages: [{ role: 'user', content: 'Define cat.' }, { role: 'assistant', tool_calls: [call] }, { role: 'tool', tool_call_id: 'c1', content: 'a small feline' }, { role: 'assistant', content: 'A small feline.' }] },
        { messages: [{ role: 'user', content: 'Define cat.' }, { role: 'assistant', function_call: call.function }, { role: 'function', name: 'lookup', content: 'a small feline' }, { role: 'assistant', content: 'A small feline.' }] },
      ]
        .map((row) => JSON.stringify(row) + '\n')
        .join('');
    const ft = setup(server, data);
    // The image needs a model OpenAI fine-tunes on images (gpt-4o), not the default gpt-4o-mini.
    await assert.rejects(ft.run('ft_submit', { data: 'data/train.jsonl', yes: true }), /would be rejected by OpenAI: image_model_unsupported 1 \(lines 11\)/);
    assert.equal(server.requests.length, 0);
    const result = await ft.run('ft_submit', { data: 'data/train.jsonl', model: 'gpt-4o', yes: true });
    assert.deepEqual([result.converted, result.examples], [null, 13]);
    assert.equal(server.uploads[0]!.text, data);
    assert.equal(server.jobs.length, 1);
  });

  test('a file OpenAI would reject is refused before anything is uploaded', async () => {
    const server = await api();
    const ft = setup(server, rows(5));
    await assert.rejects(ft.run('ft_submit', { data: 'data/train.jsonl', yes: true }), /would be rejected by OpenAI: min_examples 1/);
    assert.equal(server.requests.length, 0);
  });

  test('on a terminal the estimate is asked about first; no means nothing is spent', async () => {
    const server = await api();
    const ft = setup(server);
    let asked = '';
    await assert.rejects(
      ft.run('ft_submit', { data: 'data/train.jsonl' }, async (q) => {
        asked = q;
        return false;
      }),
      (error: Error & { code?: string }) => error.code === 'NOT_CONFIRMED',
    );
    assert.match(asked, /^12 examples, [\d,]+ tokens x 3 epochs on gpt-4o-mini-2024-07-18: about \$0\.\d\d\. Submit\?$/);
    assert.equal(server.uploads.length, 0);
  });

  test('with images by URL (never fetched) the estimate is said to be a floor', async () => {
    const server = await api();
    const image = (url: string) => ({ messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url } }] }, { role: 'assistant', content: 'A cat.' }] });
    const ft = setup(server, rows(10) + [image('https://example.com/a.png'), image('https://example.com/b.png')].map((row) => JSON.stringify(row) + '\n').join(''));
    let asked = '';
    await assert.rejects(
      ft.run('ft_submit', { data: 'data/train.jsonl', model: 'gpt-4o' }, async (q) => {
        asked = q;
        return false;
      }),
      (error: Error & { code?: string }) => error.code === 'NOT_CONFIRMED',
    );
    assert.match(asked, /^12 examples, [\d,]+ tokens x 3 epochs on gpt-4o-2024-08-06: at least \(2 images by URL not counted\) about \$0\.\d\d\. Submit\?$/);
  });
});

describe('ft status, watch and cancel', () => {
  test('watch follows the job through every phase to the model id, and its cost goes to the ledger once', async () => {
    const server = await api();
    const ft = setup(server);
    const { job } = await ft.run('ft_submit', { data: 'data/train.jsonl', yes: true });
    const status = await ft.run('ft_status', { job: job.id });
    assert.equal(status.jobs[0].status, 'validating_files');
    const watched = await ft.run('ft_watch', { job: job.id, pollMs: 10 });
    assert.equal(watched.jobs[0].status, 'succeeded');
    assert.match(watched.jobs[0].fine_tuned_model, /^ft:gpt-4o-mini-2024-07-18:quimbot:/);
    const seen = ft.phases.map((p) => p.split(': ').at(-1)!.split(' ')[0]);
    assert.deepEqual(seen.filter((p) => ['validating_files', 'queued', 'running', 'succeeded'].includes(p!)), ['validating_files', 'queued', 'running', 'succeeded']);
    assert.deepEqual(ft.usage, [{ provider: 'openai', model: 'fine-tune gpt-4o-mini-2024-07-18', inputTokens: 30_000, outputTokens: 0, costUsd: (30_000 * 3) / 1e6 }]);
    await ft.run('ft_status', { job: job.id });
    assert.equal(ft.usage.length, 1);
    assert.equal(ft.book().get(job.id)!.fineTunedModel, watched.jobs[0].fine_tuned_model);
    // The job's own events are told as they come.
    assert.ok(ft.messages.includes(`${job.id}: Job entered running`), ft.messages.join('\n'));
  });

  test('a job that fails validation ends the watch with its error', async () => {
    const server = await api({ fail: 'Invalid file format: line 3 is missing messages' });
    const ft = setup(server);
    const { job } = await ft.run('ft_submit', { data: 'data/train.jsonl', yes: true });
    await assert.rejects(ft.run('ft_watch', { job: job.id, pollMs: 10 }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'JOB_FAILED');
      assert.match(error.message, /ftjob-000001 failed: Invalid file format: line 3 is missing messages/);
      return true;
    });
  });

  test('cancel stops a job; several jobs are followed side by side; an unknown job is named', async () => {
    const server = await api();
    const ft = setup(server);
    const a = await ft.run('ft_submit', { data: 'data/train.jsonl', yes: true });
    const b = await ft.run('ft_submit', { data: 'data/train.jsonl', epochs: 2, yes: true });
    const cancelled = await ft.run('ft_cancel', { job: a.job.id });
    assert.equal(cancelled.jobs[0].status, 'cancelled');
    const all = await ft.run('ft_watch', { pollMs: 10 });
    assert.deepEqual(all.jobs.map((j: { id: string; status: string }) => [j.id, j.status]), [[b.job.id, 'succeeded']]);
    await assert.rejects(ft.run('ft_status', { job: 'ftjob-nope' }), /no fine-tuning job ftjob-nope/);
  });
});

describe('ft from a card', () => {
  test('`/ft submit … --wait` moves its card through every phase to Done with the model id', async (t) => {
    const server = await api();
    const ws = workspace(t, addCardByHand(EMPTY_BOARD, 'Backlog', '- **Fine-tune TOEFL** `/ft submit --data data/train.jsonl --model gpt-4o-mini --wait --poll-ms 20`'));
    ws.write('data/train.jsonl', rows(12));
    const config = ws.config({ providers: { openai: { kind: 'openai', baseURL: `${server.url}/v1`, apiKeyEnv: KEY_ENV } } });
    const daemon = await startDaemon({ config, log: silentLogger });
    ws.cleanup(() => daemon.stop());
    const board = await ws.waitFor((b) => b.cards.some((c) => c.column === 'done'), 'the card in Done');
    const text = board.cards[0]!.text;
    assert.match(text, /✅ fine-tune ftjob-000001 \(gpt-4o-mini-2024-07-18\): succeeded -> ft:gpt-4o-mini-2024-07-18:quimbot:x:000001/);
    for (const phase of ['validating_files', 'queued', 'running']) assert.match(text, new RegExp(`ftjob-000001 \\(gpt-4o-mini-2024-07-18\\): ${phase}`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(daemon.store.state.ledger.some((e) => e.model === 'fine-tune gpt-4o-mini-2024-07-18' && e.costUsd === 0.09));
  });

  test('a job that fails puts its card in Blocked with the error', async (t) => {
    const server = await api({ fail: 'Training file has too few examples' });
    const ws = workspace(t, addCardByHand(EMPTY_BOARD, 'Backlog', '- **Fine-tune** `/ft submit --data data/train.jsonl --wait --poll-ms 20`'));
    ws.write('data/train.jsonl', rows(12));
    const config = ws.config({ providers: { openai: { kind: 'openai', baseURL: `${server.url}/v1`, apiKeyEnv: KEY_ENV } } });
    const daemon = await startDaemon({ config, log: silentLogger });
    ws.cleanup(() => daemon.stop());
    const board = await ws.waitFor((b) => b.cards.some((c) => c.column === 'blocked'), 'the card in Blocked');
    assert.match(board.cards[0]!.blockedReason ?? '', /fine-tune ftjob-000001 failed: Training file has too few examples/);
  });
});

describe('eval quick', () => {
  test('the same prompts go to both models; the report puts lengths, latency, cost and answers side by side', async () => {
    const server = await api({ chat: (body) => (body.model.startsWith('ft:') ? 'A tuned, longer and more careful answer.' : 'Base answer.') });
    const ft = setup(server);
    const result = await ft.run('eval_quick', { base: 'gpt-4o-mini', tuned: 'ft:gpt-4o-mini:quimbot:toefl:abc', prompts: 'data/train.jsonl', n: 3 });
    assert.equal(result.prompts, 3);
    assert.equal(result.base.mean_words, 2);
    assert.equal(result.tuned.mean_words, 7);
    assert.equal(result.out, 'reports/eval-ft_gpt-4o-mini_quimbot_toefl_abc.md');
    const chats = server.requests.filter((r) => r.path === '/v1/chat/completions');
    assert.equal(chats.length, 6);
    assert.equal(ft.usage.length, 6);
    const report = (await import('node:fs')).readFileSync(join(ft.ws, result.out), 'utf8');
    assert.match(report, /^# Quick eval: ft:gpt-4o-mini:quimbot:toefl:abc vs gpt-4o-mini/);
    assert.match(report, /\| mean answer words \| 2 \| 7 \|/);
    assert.equal(report.match(/^\*\*Reference\*\*$/gm)?.length, 3);
    assert.equal(report.match(/^> A tuned, longer and more careful answer\.$/gm)?.length, 3);
  });

  test('a refused key stops the eval with the provider\'s reason', async () => {
    const server = await api();
    const ft = setup(server);
    process.env.QUIMBOT_TEST_FT_BAD = 'sk-wrong';
    const run = runTool(findTool('eval_quick'), { base: 'a', tuned: 'b', prompts: 'data/train.jsonl' }, {
      workspace: ft.ws,
      resolvePath: workspaceResolver(ft.ws, true),
      signal: new AbortController().signal,
      progress: () => {},
      log: silentLogger,
      providers: { providers: { openai: { kind: 'openai', baseURL: `${server.url}/v1`, apiKeyEnv: 'QUIMBOT_TEST_FT_BAD' } }, prices: {}, env: process.env, usage: () => {} },
    });
    await assert.rejects(run, /^ProviderError: HTTP 401 Unauthorized: Incorrect API key provided \(openai\)$/);
  });
});

describe('spend in the ledger and the weekly report', () => {
  test('generation and fine-tune spend from the command line reach the weekly report, and the daemon folds them into its ledger', async (t) => {
    const ws = workspace(t);
    const config = ws.config({ prices: { 'claude-haiku-4-5': { input: 1, output: 5 } } });
    const { providerAccess } = await import('../src/config.ts');
    const access = providerAccess(config, 'cli');
    access.usage({ provider: 'anthropic', model: 'claude-haiku-4-5', inputTokens: 1_000_000, outputTokens: 100_000 });
    access.usage({ provider: 'openai', model: 'fine-tune gpt-4o-mini-2024-07-18', inputTokens: 30_000, outputTokens: 0, costUsd: 0.09 });
    const result = (await runTool(findTool('report_week'), { out: 'reports/week.md' }, { workspace: ws.dir, resolvePath: workspaceResolver(ws.dir, true), signal: new AbortController().signal, progress: () => {}, log: silentLogger })) as { path: string };
    const report = ws.read('reports/week.md');
    assert.ok(result.path.endsWith('week.md'));
    assert.match(report, /\| cli \| 0 \| 0 \| 0 \| 2 \| \$1\.59 \|/);
    assert.match(report, /- claude-haiku-4-5: \$1\.50 \(1,100,000 tokens\)/);
    assert.match(report, /- fine-tune gpt-4o-mini-2024-07-18: \$0\.09 \(30,000 tokens\)/);
    const daemon = await startDaemon({ config, log: silentLogger });
    ws.cleanup(() => daemon.stop());
    assert.deepEqual(daemon.store.state.ledger.map((e) => [e.agent, e.costUsd]), [['cli', 1.5], ['cli', 0.09]]);
    assert.equal(daemon.store.state.costByDay[new Date().toISOString().slice(0, 10)]!.calls, 2);
  });
});
