import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { schedule } from '../src/agents/schedule.ts';
import type { ScheduleInput } from '../src/agents/schedule.ts';
import { AgentSpecSchema } from '../src/agents/spec.ts';
import type { AgentSpec } from '../src/agents/spec.ts';
import { parseBoard } from '../src/board/index.ts';

const agent = (name: string, role: AgentSpec['role'], extra: Record<string, unknown> = {}): AgentSpec =>
  ({ ...AgentSpecSchema.parse({ name, role, ...extra }), backend: 'pipeline' }) as AgentSpec;
const TEAM = [agent('Claude', 'lead'), agent('Codex', 'quality'), agent('Cursor', 'execution', { concurrency: 2 })];

function plan(text: string, extra: Partial<ScheduleInput> = {}) {
  const result = schedule({
    board: parseBoard(text),
    agents: TEAM,
    running: new Map(),
    leased: new Set(),
    retry: () => undefined,
    now: 1000,
    maxAttempts: 3,
    triage: false,
    ...extra,
  });
  return {
    claims: result.claims.map((c) => `${c.card.title} -> ${c.agent.name} (${c.kind})`),
    waiting: result.waiting.map((w) => `${w.card.title}: ${w.reason}`),
  };
}

describe('schedule', () => {
  test('commands go to the executor, mentions to the named agent, others stay put', () => {
    const { claims } = plan(
      [
        '## Backlog',
        '- **Audit TOEFL** `/data audit data/toefl.jsonl`',
        '- **Review the recipe** @Codex',
        '- **Ask Petrarch to dedup** @Petrarch `/data audit x.jsonl`',
        '- **Plain card for a human**',
        '- **Human owned** `/data audit y.jsonl` — Ana',
        '- **Mine again** `/data audit z.jsonl` — Cursor',
        '## Done',
        '- **Finished** `/data audit w.jsonl`',
      ].join('\n'),
    );
    assert.deepEqual(claims, ['Audit TOEFL -> Cursor (run)', 'Review the recipe -> Codex (run)', 'Mine again -> Cursor (run)']);
  });

  test('concurrency limits how many cards each agent takes, counting runs in flight', () => {
    const text = ['## Backlog', '- **A** `/data audit a.jsonl`', '- **B** `/data audit b.jsonl`', '- **C** `/data audit c.jsonl`'].join('\n');
    assert.deepEqual(plan(text).claims, ['A -> Cursor (run)', 'B -> Cursor (run)', 'C -> Claude (run)']);
    assert.deepEqual(plan(text, { running: new Map([['Cursor', 2], ['Claude', 1]]) }).claims, []);
  });

  test('leased cards, exhausted attempts and cards still backing off are skipped', () => {
    const text = ['## Backlog', '- **A** `/data audit a.jsonl`', '- **B** `/data audit b.jsonl`', '- **C** `/data audit c.jsonl`'].join('\n');
    const board = parseBoard(text);
    const [a, b] = board.cards;
    const result = plan(text, {
      leased: new Set([a!.id]),
      retry: (id) => (id === b!.id ? { attempts: 1, nextAttemptAt: 5000 } : undefined),
    });
    assert.deepEqual(result.claims, ['C -> Cursor (run)']);
    assert.deepEqual(plan(text, { retry: () => ({ attempts: 3, nextAttemptAt: 0 }) }).claims, []);
  });

  test('a card waits for its dependencies to be Done; missing ones and cycles are reported', () => {
    const text = [
      '## Backlog',
      '- **Mix stage 1** `/data audit m.jsonl`',
      '  - after: Dedup TOEFL',
      '- **Dedup TOEFL** `/data audit d.jsonl`',
      '  - after: Clean TOEFL',
      '- **Ghost work** `/data audit g.jsonl`',
      '  - after: Nothing by that name',
      '- **Loop A** `/data audit a.jsonl`',
      '  - after: Loop B',
      '- **Loop B** `/data audit b.jsonl`',
      '  - after: Loop A',
      '## Done',
      '- **Clean TOEFL**',
    ].join('\n');
    const { claims, waiting } = plan(text, { agents: [agent('Cursor', 'execution', { concurrency: 9 })] });
    assert.deepEqual(claims, ['Dedup TOEFL -> Cursor (run)']);
    assert.deepEqual(waiting, [
      'Ghost work: waits for "Nothing by that name": no such card on the board',
      'Loop A: dependency cycle: Loop A → Loop B → Loop A',
      'Loop B: dependency cycle: Loop B → Loop A → Loop B',
    ]);
    // With every agent busy nothing is claimed, and the problems are reported all the same.
    const busy = plan(text, { agents: [agent('Cursor', 'execution', { concurrency: 1 })], running: new Map([['Cursor', 1]]) });
    assert.deepEqual(busy.claims, []);
    assert.deepEqual(busy.waiting, waiting);
  });

  test('triage gives the lead cards that ask for no one', () => {
    const text = '## Backlog\n- Think about the mix ratios\n';
    assert.deepEqual(plan(text).claims, []);
    assert.deepEqual(plan(text, { triage: true }).claims, ['Think about the mix ratios -> Claude (run)']);
  });

  test("the quality agent checks an agent's finished work in Review, never its own", () => {
    const text = ['## Review', '- **Audit A** `/data audit a.jsonl` — Cursor', '- **Human work** `/data audit h.jsonl` — Ana', '- **Self check** `/data audit s.jsonl` — Codex'].join('\n');
    assert.deepEqual(plan(text).claims, ['Audit A -> Codex (review)']);
  });
});
