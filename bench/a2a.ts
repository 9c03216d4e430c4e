/**
 * Delegation throughput between two daemons on loopback (not a test):
 * `node --import tsx bench/a2a.ts [cards]`. Quimbot sends each card to Petrarch over A2A
 * (HTTP today; the WebSocket binding is not built), Petrarch's offline team runs it, and the
 * result comes back. Prints delegations/s and the per-card round trip (added here → Done here).
 * The target is ≥ 300 delegations/s and p50 ≤ 20 ms over the WebSocket.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseBoard } from '../src/board/index.ts';
import { ConfigSchema, resolveConfig } from '../src/config.ts';
import { startDaemon } from '../src/daemon.ts';
import { silentLogger } from '../src/log.ts';

const CARDS = Number(process.argv[2] ?? 100);
const BOARD = '# Board\n\n## Backlog\n\n## In Progress\n\n## Done\n\n## Blocked\n';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function workspaceWith(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `quimbot-a2a-${name}-`));
  mkdirSync(join(dir, 'kanban'));
  writeFileSync(join(dir, 'kanban', 'KANBAN.md'), BOARD);
  return dir;
}

const config = (dir: string, raw: Record<string, unknown>) =>
  resolveConfig(ConfigSchema.parse({ scheduler: { pollMs: 60_000 }, listen: { port: 0 }, ...raw }), { workspace: dir, env: {} });

const there = workspaceWith('petrarch');
const here = workspaceWith('quimbot');
try {
  const petrarch = await startDaemon({ config: config(there, { name: 'Petrarch', agents: [{ name: 'Cursor', role: 'execution', concurrency: 8 }] }), log: silentLogger });
  const quimbot = await startDaemon({ config: config(here, { name: 'Quimbot', agents: [{ name: 'Codex', role: 'execution' }], peers: [{ name: 'Petrarch', url: petrarch.url }] }), log: silentLogger });
  try {
    const boardPath = join(here, 'kanban', 'KANBAN.md');
    const text = readFileSync(boardPath, 'utf8');
    const lines = Array.from({ length: CARDS }, (_, i) => `- **Probe ${i}** \`/board show\` @Petrarch`);
    const added = performance.now();
    writeFileSync(`${boardPath}.swp`, text.replace('## Backlog\n', `## Backlog\n${lines.join('\n')}\n`));
    renameSync(`${boardPath}.swp`, boardPath);
    const doneAt = new Map<string, number>();
    while (doneAt.size < CARDS && performance.now() - added < 300_000) {
      for (const card of parseBoard(readFileSync(boardPath, 'utf8')).cards) if (card.column === 'done' && !doneAt.has(card.title)) doneAt.set(card.title, performance.now() - added);
      await sleep(20);
    }
    const seconds = (performance.now() - added) / 1000;
    const times = [...doneAt.values()];
    console.log(`${doneAt.size}/${CARDS} delegations done in ${seconds.toFixed(1)} s: ${(doneAt.size / seconds).toFixed(1)} delegations/s (target ≥ 300 over the WebSocket)`);
    console.log(`added → Done here: p50 ${percentile(times, 50).toFixed(0)} ms, p99 ${percentile(times, 99).toFixed(0)} ms (all added at once; target p50 ≤ 20 ms for one at a time)`);
    console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (both daemons in this process)`);
  } finally {
    await quimbot.stop();
    await petrarch.stop();
  }
} finally {
  rmSync(there, { recursive: true, force: true });
  rmSync(here, { recursive: true, force: true });
}
