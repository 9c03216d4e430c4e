import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { silentLogger } from '../src/log.ts';
import { localTime, standupDue, standupWritten, writeStandup } from '../src/standup/index.ts';
import { emptyState } from '../src/store/index.ts';
import type { State } from '../src/store/index.ts';
import { findTool, runTool, workspaceResolver } from '../src/tools/index.ts';
import { workspace } from './helpers/workspace.ts';

const SEED = readFileSync(new URL('../../shared/fixtures/seeds/KANBAN.clean.md', import.meta.url), 'utf8');
const EVENING = Date.UTC(2026, 1, 18, 0, 5); // 19:05 in New York on 17 February

function stateWith(events: Array<[number, string, string]>): State {
  const state = emptyState();
  for (const [at, title, kind] of events) {
    state.history.push({ at, cardId: title.toLowerCase(), title, kind: kind as 'done', agent: 'Cursor', detail: `${title} ok` });
  }
  state.costByDay['2026-02-18'] = { usd: 1.25, inputTokens: 1000, outputTokens: 100, calls: 4 };
  state.costByDay['2026-02-17'] = { usd: 2, inputTokens: 1000, outputTokens: 100, calls: 2 };
  return state;
}

describe('standups', () => {
  test('times read in the team zone, and the due standup is the latest one passed', () => {
    assert.deepEqual(localTime(EVENING, 'America/New_York'), { date: '2026-02-17', time: '19:05', zone: 'ET' });
    const schedule = { morning: '09:00', evening: '19:00', timeZone: 'America/New_York' };
    assert.equal(standupDue(EVENING, schedule, () => false), 'evening');
    assert.equal(standupDue(EVENING, schedule, (_, kind) => kind === 'evening'), null);
    assert.equal(standupDue(Date.UTC(2026, 1, 17, 13), schedule, () => false), null); // 08:00
    assert.equal(standupDue(Date.UTC(2026, 1, 17, 15), schedule, () => false), 'morning');
  });

  test('the seed board: a note in memory/ with the columns, decisions and cost, and the synced line updated', async (t) => {
    const ws = workspace(t, SEED);
    const state = stateWith([[EVENING - 60_000, 'Audit TOEFL', 'done']]);
    const out = await writeStandup({ boardPath: ws.boardPath, memoryDir: join(ws.dir, 'memory'), state, timeZone: 'America/New_York', now: EVENING });
    assert.equal(out.kind, 'evening');
    const note = ws.read('memory/2026-02-17.md');
    assert.match(note, /^# 2026-02-17\n\n## Evening standup \(19:05 ET\)/);
    assert.match(note, /### Done since the last standup\n- \*\*Audit TOEFL\*\* — Cursor: Audit TOEFL ok\n/);
    assert.equal((note.match(/^- .* — Quimbot$/gm) ?? []).length, 3, 'the three In Progress cards with their owner');
    assert.equal((note.split('### Decisions\n')[1]!.split('\n\n')[0]!.match(/^- /gm) ?? []).length, 5);
    assert.match(note, /- today: \$1\.25 \(4 provider calls\); so far: \$3\.25/);
    const board = ws.board();
    assert.equal(board.lastSynced?.value, '2026-02-17 19:05 ET (evening standup)');
    assert.equal(board.text, SEED.replace(/_Last synced: .*_/, '_Last synced: 2026-02-17 19:05 ET (evening standup)_'));
    assert.equal(standupWritten(join(ws.dir, 'memory'), '2026-02-17', 'evening'), true);
    assert.equal(standupWritten(join(ws.dir, 'memory'), '2026-02-17', 'morning'), false);
  });

  test('the next standup reports only what finished after the last one, in the same day note', async (t) => {
    const ws = workspace(t);
    const memoryDir = join(ws.dir, 'memory');
    const state = stateWith([
      [EVENING - 120_000, 'Old card', 'done'],
      [EVENING + 60_000, 'New card', 'done'],
    ]);
    await writeStandup({ boardPath: ws.boardPath, memoryDir, state, timeZone: 'America/New_York', now: EVENING, kind: 'morning' });
    const second = await writeStandup({ boardPath: ws.boardPath, memoryDir, state, timeZone: 'America/New_York', now: EVENING + 120_000, kind: 'evening' });
    assert.match(second.section, /New card/);
    assert.doesNotMatch(second.section, /Old card/);
    const note = ws.read('memory/2026-02-17.md');
    assert.equal((note.match(/^## /gm) ?? []).length, 2);
  });

  test('the standup tool through the registry reads the state file beside the board', async (t) => {
    const ws = workspace(t);
    writeFileSync(join(ws.dir, 'state.json'), JSON.stringify(stateWith([[Date.now() - 1000, 'Fresh card', 'done']])));
    const output = (await runTool(findTool('standup'), { evening: true, state: 'state.json' }, {
      workspace: ws.dir,
      resolvePath: workspaceResolver(ws.dir, true),
      signal: new AbortController().signal,
      progress: () => {},
      log: silentLogger,
    })) as { path: string; kind: string };
    assert.equal(output.kind, 'evening');
    assert.match(readFileSync(output.path, 'utf8'), /Fresh card/);
    assert.match(ws.board().text, /_Last synced: .* \(evening standup\)_/);
  });
});

describe('the weekly summary', () => {
  test('completed work, known issues, outputs from manifests, per-agent cost and next steps', async (t) => {
    const ws = workspace(t, SEED);
    const now = Date.now();
    const state = emptyState();
    const run = (id: string, title: string, agent: string, outcome: 'done' | 'blocked', summary: string | null) =>
      state.runs.push({ id, cardId: id, title, agent, backend: 'pipeline', startedAt: now - 3600_000, endedAt: now, attempts: 1, outcome, summary, error: null, log: `.quimbot/runs/${id}.log` });
    run('r1', 'Audit TOEFL', 'Cursor', 'done', '4,954 rows; 30 empty assistant');
    run('r2', 'OpenRouter generation', 'Claude', 'blocked', null);
    run('old', 'Ancient work', 'Cursor', 'done', 'long ago');
    state.runs[2]!.startedAt = now - 30 * 86_400_000;
    state.ledger.push({ at: now - 1000, runId: 'r2', agent: 'Claude', provider: 'anthropic', model: 'claude-haiku', inputTokens: 1000, outputTokens: 500, costUsd: 1.5 });
    writeFileSync(join(ws.dir, 'state.json'), JSON.stringify(state));
    ws.write('data/mixes/stage1.jsonl.manifest.json', JSON.stringify({ output: { path: 'data/mixes/stage1.jsonl', rows: 1200, sha256: 'x' } }));
    const output = (await runTool(findTool('report_week'), { state: 'state.json', out: 'reports/week.md', team: 'Claude:lead,Codex:quality,Cursor:execution' }, {
      workspace: ws.dir,
      resolvePath: workspaceResolver(ws.dir, true),
      signal: new AbortController().signal,
      progress: () => {},
      log: silentLogger,
    })) as { path: string; runs: number; outputs: number };
    assert.deepEqual([output.runs, output.outputs], [2, 1]);
    const report = ws.read('reports/week.md');
    assert.match(report, /^# Week Status Summary \(/);
    assert.match(report, /\*\*Team:\*\* Claude \(Lead\), Codex \(Quality\), Cursor \(Execution\)/);
    assert.match(report, /### Audit TOEFL \(Cursor\)\n- \*\*Status:\*\* ✅ COMPLETE\n- \*\*Output:\*\* 4,954 rows; 30 empty assistant/);
    assert.doesNotMatch(report, /Ancient work/);
    assert.match(report, /## ⚠️ KNOWN ISSUES\n\n- OpenRouter scale-out generation: \*\*HTTP 402 Payment Required\*\* \(billing\/account state\): HTTP 402 Payment Required\n/);
    assert.match(report, /- `data\/mixes\/stage1\.jsonl` — 1,200 rows/);
    assert.match(report, /\| Claude \| 0 \| 1 \| 0 \| 1 \| \$1\.50 \|/);
    assert.match(report, /## ➡️ NEXT STEPS\n\n1\. /);
  });
});
