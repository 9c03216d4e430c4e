import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startDaemon } from '../src/daemon.ts';
import { silentLogger } from '../src/log.ts';
import { planGeneration, GenRecipe } from '../src/pipeline/index.ts';
import { chat, DEFAULT_PROVIDERS } from '../src/providers/index.ts';
import type { ProviderAccess, Usage } from '../src/providers/index.ts';
import { findTool, runTool, workspaceResolver } from '../src/tools/index.ts';
import { anthropicProvider, openaiProvider } from './helpers/providers.ts';
import type { Provider, Reply, Script } from './helpers/providers.ts';
import { waitUntil } from './helpers/wait.ts';
import { addCardByHand, EMPTY_BOARD, workspace } from './helpers/workspace.ts';

const KEY_ENV = 'QUIMBOT_TEST_GEN_KEY';
const dir = mkdtempSync(join(tmpdir(), 'quimbot-gen-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(() => {
  process.env[KEY_ENV] = 'sk-test-gen';
});

const RECIPE = {
  name: 'toefl',
  provider: 'router',
  model: 'gen-test',
  out: 'gen/toefl.jsonl',
  count: 20,
  concurrency: 4,
  maxTokens: 50,
  prompt: 'Write a {difficulty} TOEFL essay question about {topic}.',
  seeds: { topic: ['rivers', 'cities', 'music', 'trade', 'sleep'] },
  difficulty: { easy: 0.3, medium: 0.45, hard: 0.25 },
};

/** A distinct answer for each request (prompts repeat: 5 topics by 3 difficulties), ending in a full stop. */
let answers = 0;
const answerFor = (body: Record<string, unknown>): Reply => {
  const messages = body.messages as Array<{ role: string; content: string }>;
  return { text: `Answer ${++answers} to: ${messages.at(-1)!.content}` };
};

let counter = 0;
/** A recipe file, the tool's context (OpenAI-style provider at `url`), and the usage it recorded. */
function setup(url: string, recipe: Record<string, unknown> = {}, kind: 'openai' | 'anthropic' = 'openai') {
  const ws = join(dir, `ws-${++counter}`);
  const path = join(ws, 'recipe.json');
  mkdirSync(ws, { recursive: true });
  writeFileSync(path, JSON.stringify({ ...RECIPE, ...recipe }));
  const usage: Usage[] = [];
  const providers: ProviderAccess = {
    providers: { ...DEFAULT_PROVIDERS, router: { kind, baseURL: kind === 'openai' ? `${url}/v1` : url, apiKeyEnv: KEY_ENV } },
    prices: { 'gen-test': { input: 1000, output: 1000 } },
    env: process.env,
    usage: (u) => usage.push(u),
  };
  const run = (args: Record<string, unknown> = {}, signal = new AbortController().signal) =>
    runTool(findTool('gen_run'), { recipe: 'recipe.json', ...args }, { workspace: ws, resolvePath: workspaceResolver(ws, true), signal, progress: () => {}, log: silentLogger, providers }) as Promise<Record<string, unknown>>;
  const rows = (name = 'gen/toefl.jsonl') => (existsSync(join(ws, name)) ? readFileSync(join(ws, name), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : []);
  return { ws, run, rows, usage };
}

async function serve(script: Script, kind: 'openai' | 'anthropic' = 'openai'): Promise<Provider> {
  const provider = await (kind === 'openai' ? openaiProvider(script) : anthropicProvider(script));
  after(() => provider.close());
  return provider;
}

describe('gen: the plan', () => {
  test('the difficulty mix is apportioned exactly and the plan is the same on every run', () => {
    const recipe = GenRecipe.parse({ ...RECIPE, count: 100 });
    const items = planGeneration(recipe);
    const mix = (list: typeof items) => Object.fromEntries(['easy', 'medium', 'hard'].map((d) => [d, list.filter((i) => i.difficulty === d).length]));
    assert.deepEqual(mix(items), { easy: 30, medium: 45, hard: 25 });
    assert.deepEqual(planGeneration(recipe), items);
    assert.equal(new Set(items.map((i) => i.id)).size, 100);
    assert.ok(items.every((i) => i.prompt.includes(i.difficulty!) && i.prompt.includes(i.values.topic!)));
    // Spread out, not 30 easy ones first.
    assert.notDeepEqual(items.slice(0, 30).map((i) => i.difficulty), Array(30).fill('easy'));
  });

  test('a placeholder without values is named in the error', () => {
    const parsed = GenRecipe.safeParse({ ...RECIPE, prompt: 'About {topic} for {persona}.' });
    assert.equal(parsed.success, false);
    assert.match(parsed.error!.issues[0]!.message, /\{persona\} has no values: add seeds\.persona/);
  });
});

describe('gen run', () => {
  test('writes every example once with its id and provenance, and rejects what fails the gate', async () => {
    // Every fifth answer has no final punctuation: the gate keeps it out of the output.
    const provider = await serve((body, n) => (n % 5 === 0 ? { text: 'an answer that stops mid' } : answerFor(body)));
    const gen = setup(provider.url);
    const result = await gen.run();
    assert.equal(result.requested, 20);
    assert.equal(Number(result.written) + Number(result.rejected), 20);
    assert.equal(result.rejected, 4);
    assert.deepEqual(result.reject_reasons, { 'no-final-punct': 4 });
    const rows = gen.rows();
    assert.equal(rows.length, result.written);
    assert.equal(new Set(rows.map((r) => r.id)).size, rows.length);
    const row = rows[0]!;
    assert.deepEqual((row.messages as Array<{ role: string }>).map((m) => m.role), ['user', 'assistant']);
    assert.match(String(row.difficulty), /^(easy|medium|hard)$/);
    assert.deepEqual(Object.keys(row.provenance as object).sort(), ['created_at', 'model', 'prompt_hash', 'provider', 'recipe', 'usage']);
    assert.equal(gen.rows('gen/toefl.rejects.jsonl').length, 4);
    assert.equal(provider.requests.length, 20);
    assert.equal(provider.requests[0]!.model, 'gen-test');
    assert.equal(gen.usage.length, 20);
    assert.equal(result.spent_usd, 20 * (100 + 20) * 1000 / 1e6);
  });

  test('a rerun after a 402 resumes where it stopped: no id twice, nothing asked twice', async () => {
    let refuse = true;
    const provider = await serve((body, n) => (refuse && n > 7 ? { status: 402, error: 'Insufficient credits' } : answerFor(body)));
    const gen = setup(provider.url, { concurrency: 1 });
    await assert.rejects(gen.run(), (error: Error & { code?: string; status?: number }) => {
      assert.equal(error.code, 'PROVIDER_REFUSED');
      assert.equal(error.status, 402);
      assert.match(error.message, /^HTTP 402 Payment Required: Insufficient credits \(router\); 7 of 20 examples done/);
      return true;
    });
    assert.equal(gen.rows().length, 7);
    // A crash in the middle of a write leaves half a line: it is cut and asked for again.
    const half = JSON.stringify(gen.rows()[6]).slice(0, 40);
    const kept = readFileSync(join(gen.ws, 'gen/toefl.jsonl'), 'utf8').split('\n').slice(0, 6).join('\n') + '\n';
    writeFileSync(join(gen.ws, 'gen/toefl.jsonl'), kept + half);
    refuse = false;
    const before = provider.requests.length;
    const result = await gen.run();
    assert.equal(result.skipped, 6);
    assert.equal(result.written, 14);
    assert.equal(provider.requests.length - before, 14);
    const rows = gen.rows();
    assert.equal(rows.length, 20);
    assert.equal(new Set(rows.map((r) => r.id)).size, 20);
    assert.deepEqual(new Set(rows.map((r) => r.id)), new Set(planGeneration(GenRecipe.parse(RECIPE)).map((i) => i.id)));
    const again = await gen.run();
    assert.deepEqual([again.skipped, again.written, again.requests], [20, 0, 0]);
  });

  test("429: every worker waits the provider's retry-after, then the run completes", async () => {
    const provider = await serve((body, n) => (n <= 2 ? { status: 429, headers: { 'retry-after-ms': '300' }, error: 'Rate limit reached' } : answerFor(body)));
    const gen = setup(provider.url, { count: 6, concurrency: 2 });
    const started = Date.now();
    const result = await gen.run();
    assert.ok(Date.now() - started >= 300, 'waited for the retry-after');
    assert.deepEqual([result.written, result.retries, result.requests], [6, 2, 8]);
  });

  test('the budget stops the run before it is crossed, and the work so far is kept', async () => {
    // Each answer costs $0.12 (120 tokens at $1,000 per million); the worst case of one request is higher.
    const provider = await serve((body) => answerFor(body));
    const gen = setup(provider.url, { budget: { usd: 1 } });
    await assert.rejects(gen.run(), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'BUDGET_EXCEEDED');
      assert.match(error.message, /the budget of \$1\.00 would be crossed by the next request: stopped at \d+ of 20 examples done/);
      return true;
    });
    const spent = gen.usage.reduce((sum, u) => sum + (u.costUsd ?? 0), 0);
    assert.ok(spent <= 1, `spent ${spent}`);
    assert.ok(gen.rows().length >= 5, `${gen.rows().length} written`);
    assert.equal(gen.rows().length, provider.requests.length);
  });

  test('a dry run calls nothing and says the worst case', async () => {
    const provider = await serve((body) => answerFor(body));
    const gen = setup(provider.url);
    const result = await gen.run({ dryRun: true });
    assert.equal(provider.requests.length, 0);
    assert.ok(Number(result.worst_case_usd) > 20 * 0.05);
    assert.deepEqual(result.difficulty, { easy: 6, medium: 9, hard: 5 });
  });

  test('through the Anthropic Messages API, conversation mode: the model writes the whole conversation as JSON', async () => {
    const provider = await serve(
      (body, n) => ({
        text: '```json\n' + JSON.stringify({ messages: [{ role: 'user', content: `Question ${n} about ${JSON.stringify(body.messages).length}?` }, { role: 'assistant', content: `Answer ${n}.` }] }) + '\n```',
      }),
      'anthropic',
    );
    const gen = setup(provider.url, { count: 3, mode: 'conversation', system: 'You write TOEFL practice dialogues.', exampleSystem: 'You are a TOEFL tutor.' }, 'anthropic');
    const result = await gen.run();
    assert.equal(result.written, 3);
    assert.equal(provider.requests[0]!.system, 'You write TOEFL practice dialogues.');
    assert.deepEqual((gen.rows()[0]!.messages as Array<{ role: string }>).map((m) => m.role), ['system', 'user', 'assistant']);
  });

  test('Ctrl-C stops the run and keeps what was written', async () => {
    const controller = new AbortController();
    const provider = await serve(async (body, n) => {
      if (n === 5) controller.abort();
      return answerFor(body);
    });
    const gen = setup(provider.url, { concurrency: 1 });
    await assert.rejects(gen.run({}, controller.signal), (error: Error & { code?: string }) => error.code === 'CANCELLED');
    const written = gen.rows().length;
    assert.ok(written >= 4 && written <= 5, `${written} written`);
  });
});

describe('gen run from a card', () => {
  test('a 402 from an OpenRouter-style provider blocks the card with the reason', async (t) => {
    const provider = await serve(() => ({ status: 402, error: 'This request requires more credits' }));
    const ws = workspace(t, addCardByHand(EMPTY_BOARD, 'Backlog', '- **Scale-out generation** `/gen run gen/recipe.json`'));
    ws.write('gen/recipe.json', JSON.stringify({ ...RECIPE, provider: 'openrouter' }));
    const config = ws.config({ providers: { openrouter: { kind: 'openai', baseURL: `${provider.url}/v1`, apiKeyEnv: KEY_ENV } } });
    const daemon = await startDaemon({ config, log: silentLogger });
    ws.cleanup(() => daemon.stop());
    const board = await ws.waitFor((b) => b.cards.some((c) => c.column === 'blocked'), 'the card in Blocked');
    assert.match(board.cards[0]!.blockedReason ?? '', /^HTTP 402 Payment Required: This request requires more credits \(openrouter\)/);
    assert.equal(provider.requests.length, 1);
  });
});

describe('provider requests on a long-lived signal', () => {
  for (const kind of ['openai', 'anthropic'] as const) {
    test(`${kind}: many requests on one signal leave no listener on it, and an abort still stops the one in flight`, async () => {
      let hold: (() => void) | null = null;
      const provider = await serve(async (body, n) => {
        // The last request is held until the test aborts it.
        if (n === 31) await new Promise<void>((resolve) => (hold = resolve));
        return answerFor(body);
      }, kind);
      const access: ProviderAccess = {
        providers: { ...DEFAULT_PROVIDERS, router: { kind, baseURL: kind === 'openai' ? `${provider.url}/v1` : provider.url, apiKeyEnv: KEY_ENV } },
        prices: {},
        env: process.env,
        usage: () => {},
      };
      const run = new AbortController();
      const ask = () => chat(access, { provider: 'router', model: 'gen-test', messages: [{ role: 'user', content: 'hi' }], maxTokens: 20, signal: run.signal });
      for (let i = 0; i < 30; i++) await ask();
      assert.equal(getEventListeners(run.signal, 'abort').length, 0);
      const last = ask();
      await waitUntil(() => hold !== null, 'the last request at the provider');
      run.abort(new Error('stopped by the test'));
      await assert.rejects(last);
      (hold as (() => void) | null)?.();
    });
  }
});
