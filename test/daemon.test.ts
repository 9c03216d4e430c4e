import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AgentBackend } from '../src/agents/backend.ts';
import { cardWorktree } from '../src/agents/backends/worktree.ts';
import { applyEdit } from '../src/board/index.ts';
import { startDaemon } from '../src/daemon.ts';
import { auditFiles } from '../src/pipeline/index.ts';
import { silentLogger } from '../src/log.ts';
import { plantedDataset } from './helpers/datasets.ts';
import { addCardByHand, EMPTY_BOARD, workspace } from './helpers/workspace.ts';
import { alive, waitUntil } from './helpers/wait.ts';

const FLAWS = { clean: 40, parseErrors: 2, missingMessages: 0, emptyAssistant: 3, alternation: 1, exactDuplicates: 2, emails: 1, phones: 0, ips: 0, noFinalPunct: 0, weightOutOfRange: 0, blankLines: 0 };

describe('the daemon', () => {
  test('a card a human writes is claimed, run through the tool and moved to Done with the counts', async (t) => {
    const ws = workspace(t);
    ws.write('data/x.jsonl', plantedDataset(FLAWS).text);
    const fineTune = { 'gpt-4o-mini': { pricePerMillion: 1000 } };
    const daemon = await startDaemon({ config: ws.config({ fineTune }), log: silentLogger });
    ws.cleanup(() => daemon.stop());
    ws.write('kanban/KANBAN.md', addCardByHand(ws.read('kanban/KANBAN.md'), 'Backlog', '- **Audit X** `/data audit data/x.jsonl --no-near`'));
    const board = await ws.waitFor((b) => b.cards.some((c) => c.title === 'Audit X' && c.column === 'done'), 'the card in Done');
    const card = board.cards.find((c) => c.title === 'Audit X')!;
    assert.equal(card.owner, 'Cursor');
    assert.match(card.text, /✅ .*49 rows/);
    assert.match(card.text, /\[log\]\(\.\.\/\.quimbot\/runs\/[\w-]+\.log\)/);
    assert.match(board.text, /## Notes\n- keep me\n$/);
    // The board is written first; the run's record and the lease release follow.
    await waitUntil(() => daemon.store.state.leases.length === 0, 'the lease to be released');
    const kinds = daemon.store.state.history.filter((e) => e.cardId === card.id).map((e) => e.kind);
    assert.deepEqual(kinds, ['claimed', 'done']);
    const run = daemon.store.state.runs.find((r) => r.cardId === card.id)!;
    assert.equal(run.outcome, 'done');
    assert.match(readFileSync(run.log, 'utf8'), /parse errors\s+2/);
    // The cost estimate uses the configured price.
    const { estimated_cost_usd: cost } = (await auditFiles([join(ws.dir, 'data/x.jsonl')], { near: false, models: fineTune })).tokens;
    assert.match(readFileSync(run.log, 'utf8'), new RegExp(`~\\$${cost.toFixed(2).replace('.', '\\.')}\n`));
    assert.deepEqual(daemon.store.state.leases, []);
  });

  test('a card a human moves just as its run ends stays where they put it, with the result under it', async (t) => {
    const ws = workspace(t);
    // The human's move lands after the run began and before its outcome is written: the watcher has not reported it yet.
    const humanMoves: AgentBackend = {
      kind: 'pipeline',
      async run(context) {
        writeFileSync(ws.boardPath, applyEdit(ws.read('kanban/KANBAN.md'), { kind: 'move', card: context.card.id, to: 'blocked' }).text);
        return { summary: 'all good' };
      },
    };
    const daemon = await startDaemon({ config: ws.config(), log: silentLogger, backends: { pipeline: humanMoves } });
    ws.cleanup(() => daemon.stop());
    ws.write('kanban/KANBAN.md', addCardByHand(ws.read('kanban/KANBAN.md'), 'Backlog', '- **Audit Y** `/board show`'));
    await waitUntil(() => daemon.store.state.runs.some((r) => r.title === 'Audit Y' && r.outcome !== null), 'the run to end');
    const card = ws.board().cards.find((c) => c.title === 'Audit Y')!;
    assert.equal(card.column, 'blocked');
    assert.match(card.text, /✅ all good \(\[log\]/);
    assert.equal(daemon.store.state.runs.find((r) => r.title === 'Audit Y')!.outcome, 'dropped');
  });

  test('a tool error that retrying cannot fix blocks the card with the reason in words', async (t) => {
    const ws = workspace(t, addCardByHand(EMPTY_BOARD, 'Backlog', '- **Audit missing** `/data audit data/nope.jsonl`'));
    const daemon = await startDaemon({ config: ws.config(), log: silentLogger });
    ws.cleanup(() => daemon.stop());
    const board = await ws.waitFor((b) => b.cards.some((c) => c.column === 'blocked'), 'the card in Blocked');
    const card = board.cards.find((c) => c.title === 'Audit missing')!;
    assert.match(card.blockedReason ?? '', /FILE_NOT_FOUND/);
    // The board is written first; the card's state in the store follows.
    await waitUntil(() => daemon.store.cardState(card.id)?.blocked === true, 'the store to mark the card blocked');

    // The human fixes the cause and moves the card back to Backlog: it is tried afresh.
    ws.write('data/nope.jsonl', plantedDataset(FLAWS).text);
    const text = ws.read('kanban/KANBAN.md');
    const lines = card.text;
    ws.write('kanban/KANBAN.md', addCardByHand(text.replace(lines, ''), 'Backlog', lines.split('\n')[0]!.replace(/ — Cursor$/, '')));
    const after = await ws.waitFor((b) => b.cards.some((c) => c.title === 'Audit missing' && c.column === 'done'), 'the card in Done');
    assert.match(after.cards.find((c) => c.title === 'Audit missing')!.text, /✅ .*49 rows/);
  });
});

describe('roles', () => {
  test('an executor with review: true sends its card to Review; the quality agent re-runs it and moves it to Done', async (t) => {
    const ws = workspace(t, addCardByHand(EMPTY_BOARD, 'Backlog', '- **Audit X** `/data audit data/x.jsonl --no-near`'));
    ws.write('data/x.jsonl', plantedDataset(FLAWS).text);
    const config = ws.config({
      agents: [
        { name: 'Cursor', role: 'execution', review: true },
        { name: 'Codex', role: 'quality' },
      ],
    });
    const daemon = await startDaemon({ config, log: silentLogger });
    ws.cleanup(() => daemon.stop());
    const board = await ws.waitFor((b) => b.cards.some((c) => c.column === 'done'), 'the card in Done');
    const card = board.cards[0]!;
    assert.equal(card.owner, 'Cursor');
    assert.match(card.text, /✅ .*49 rows/);
    assert.match(card.text, /✔️ checked by Codex: .*49 rows/);
    await waitUntil(() => daemon.store.state.leases.length === 0, 'the leases to be released');
    assert.deepEqual(
      daemon.store.state.history.map((e) => `${e.kind} ${e.agent}`),
      ['claimed Cursor', 'review Cursor', 'review Codex', 'verified Codex'],
    );
  });
});

describe('the daemon with a cli agent', () => {
  const slowAgent = (script: string) => ({
    agents: [{ name: 'Worker', role: 'execution', backend: 'cli', command: `node -e '${script}' {card}`, timeoutMs: 30_000 }],
  });

  test('a human moving a running card out of In Progress cancels its run and kills the process', async (t) => {
    const ws = workspace(t, addCardByHand(EMPTY_BOARD, 'Backlog', '- **Slow job** @Worker'));
    const script = 'require("fs").writeFileSync("pid.txt", String(process.pid)); setTimeout(() => {}, 60000)';
    const daemon = await startDaemon({ config: ws.config(slowAgent(script)), log: silentLogger });
    ws.cleanup(() => daemon.stop());
    await ws.waitFor((b) => b.cards.some((c) => c.column === 'in_progress'), 'the card In Progress');
    await waitUntil(() => existsSync(join(ws.dir, 'pid.txt')), 'the agent process to start');
    const pid = Number(ws.read('pid.txt'));
    const text = ws.read('kanban/KANBAN.md');
    const line = text.split('\n').find((l) => l.includes('Slow job'))!;
    ws.write('kanban/KANBAN.md', addCardByHand(text.replace(`${line}\n`, ''), 'Blocked', `${line} (I'll take it)`));
    await waitUntil(() => daemon.store.state.runs.some((r) => r.outcome === 'cancelled'), 'the run to be cancelled');
    await waitUntil(() => !alive(pid), 'the agent process to be gone');
    await waitUntil(() => daemon.store.state.leases.length === 0, 'the lease to be released');
    const board = ws.board();
    assert.equal(board.cards.find((c) => c.title === 'Slow job')!.column, 'blocked');
  });

  test('a lease is renewed while its run lives, past its first expiry', async (t) => {
    const ws = workspace(t, addCardByHand(EMPTY_BOARD, 'Backlog', '- **Long job** @Worker'));
    const config = ws.config({ ...slowAgent('setTimeout(() => console.log("long job done"), 2500)'), scheduler: { pollMs: 100, leaseMs: 1000, backoffMs: 50 } });
    const daemon = await startDaemon({ config, log: silentLogger });
    ws.cleanup(() => daemon.stop());
    await waitUntil(() => daemon.store.state.leases.length === 1, 'the claim');
    const first = daemon.store.state.leases[0]!.expiresAt;
    await sleep(1500);
    const lease = daemon.store.state.leases[0];
    assert.ok(lease && lease.expiresAt > first + 500, 'the lease was pushed forward');
    assert.ok(lease.expiresAt > Date.now(), 'and has not expired');
    const board = await ws.waitFor((b) => b.cards.some((c) => c.column === 'done'), 'the card in Done');
    assert.match(board.cards[0]!.text, /✅ long job done/);
    assert.equal(daemon.store.state.runs.length, 1);
  });

  test('kill -9 mid-run: the restarted daemon runs the card again, once, and it ends in Done', async (t) => {
    const ws = workspace(t, addCardByHand(EMPTY_BOARD, 'Backlog', '- **Survivor** @Worker'));
    const script = 'setTimeout(() => console.log("finished the work"), 1500)';
    ws.write('quimbot.config.json', JSON.stringify({ ...slowAgent(script), scheduler: { pollMs: 200, leaseMs: 3000, backoffMs: 50 }, listen: { port: 0 } }));
    const first = spawnDaemon(ws.dir);
    await ws.waitFor((b) => b.cards.some((c) => c.column === 'in_progress'), 'the card In Progress');
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const second = spawnDaemon(ws.dir);
    t.after(() => {
      second.kill('SIGTERM');
    });
    const board = await ws.waitFor((b) => b.cards.some((c) => c.column === 'done'), 'the card in Done', 20_000);
    assert.equal(board.cards.filter((c) => c.title === 'Survivor').length, 1);
    const card = board.cards.find((c) => c.title === 'Survivor')!;
    assert.match(card.text, /↩️ run .* was interrupted/);
    assert.match(card.text, /✅ finished the work/);
    second.kill('SIGTERM');
    await new Promise((resolve) => second.once('exit', resolve));
    const state = JSON.parse(ws.read('.quimbot/state.json')) as { leases: unknown[]; runs: Array<{ outcome: string }> };
    assert.deepEqual(state.leases, []);
    assert.deepEqual(state.runs.map((r) => r.outcome), ['interrupted', 'done']);
  });
});

function spawnDaemon(cwd: string): ChildProcess {
  const child = spawn(process.execPath, [fileURLToPath(new URL('../bin/quimbot.js', import.meta.url)), 'start', '--log-format', 'json'], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.resume();
  return child;
}



describe('cli agents in a git repository', () => {
  const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=Test', ...args], { cwd, encoding: 'utf8' }).trim();

  test('each card runs in its own worktree and branch; a clean one is removed, a dirty one kept', async (t) => {
    const ws = workspace(t, addCardByHand(addCardByHand(EMPTY_BOARD, 'Backlog', '- **Commit work** @Worker'), 'Backlog', '- **Leave a mess** @Worker'));
    git(ws.dir, 'init', '-q', '-b', 'main');
    git(ws.dir, 'add', '.');
    git(ws.dir, 'commit', '-qm', 'start');
    const script = [
      'const fs = require("fs"), cp = require("child_process");',
      'fs.writeFileSync("out.txt", process.argv[1]);',
      'if (process.argv[1].includes("Commit")) cp.execSync("git add out.txt && git -c user.email=a@b -c user.name=A commit -qm work");',
      'console.log("wrote out.txt");',
    ].join(' ');
    const config = ws.config({ agents: [{ name: 'Worker', role: 'execution', backend: 'cli', command: `node -e '${script}' {title}`, concurrency: 2 }] });
    const daemon = await startDaemon({ config, log: silentLogger });
    ws.cleanup(() => daemon.stop());
    const board = await ws.waitFor((b) => b.cards.filter((c) => c.column === 'done').length === 2, 'both cards in Done');
    await waitUntil(() => daemon.store.state.leases.length === 0, 'the leases to be released');
    const committed = board.cards.find((c) => c.title === 'Commit work')!;
    const messy = board.cards.find((c) => c.title === 'Leave a mess')!;
    assert.match(committed.text, new RegExp(`✅ wrote out\\.txt .* · branch quimbot/${committed.id}`));
    assert.equal(git(ws.dir, 'show', `quimbot/${committed.id}:out.txt`), 'Commit work');
    assert.equal(existsSync(join(ws.dir, '.quimbot', 'worktrees', committed.id)), false);
    assert.equal(readFileSync(join(ws.dir, '.quimbot', 'worktrees', messy.id, 'out.txt'), 'utf8'), 'Leave a mess');
    assert.equal(existsSync(join(ws.dir, 'out.txt')), false, 'the main checkout is untouched');
    assert.doesNotMatch(git(ws.dir, 'status', '--porcelain'), /\.quimbot/);
  });

  test('cards starting and ending side by side each get their worktree, and give it back', async (t) => {
    const ws = workspace(t, EMPTY_BOARD);
    git(ws.dir, 'init', '-q', '-b', 'main');
    git(ws.dir, 'add', '.');
    git(ws.dir, 'commit', '-qm', 'start');
    const ids = Array.from({ length: 16 }, (_, i) => `card${i}`);
    const worktrees = await Promise.all(ids.map((id) => cardWorktree(ws.dir, id)));
    assert.deepEqual(worktrees.map((w) => w && existsSync(w.path)), ids.map(() => true));
    const finished = await Promise.all(worktrees.map((w) => w!.finish()));
    assert.deepEqual(finished, ids.map((id) => `worktree removed; the work is on branch quimbot/${id}`));
  });
});
