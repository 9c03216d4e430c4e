/**
 * Claim latency and throughput of the daemon (not a test): `node --import tsx bench/claim.ts [cards]`.
 *
 * Starts the daemon in a temp workspace with the offline team, then:
 * - edit-to-claim: a "human" appends one card at a time (by rename, like an editor) and we time
 *   until the file on disk shows it In Progress (targets: p50 ≤ 250 ms, p99 ≤ 1 s);
 * - throughput: 200 short cards appended at once, timed until all are Done.
 * The baseline in the same run is the raw time from a write to fs.watch noticing it.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseBoard } from '../src/board/index.ts';
import { ConfigSchema } from '../src/config.ts';
import type { Config } from '../src/config.ts';
import { startDaemon } from '../src/daemon.ts';
import { silentLogger } from '../src/log.ts';
import { percentile } from './measure.ts';

const SAMPLES = Number(process.argv[2] ?? 40);
const BULK = 200;
const TARGETS = { p50: 250, p99: 1000 };
const BOARD = '# Board\n\n## Backlog\n\n## In Progress\n\n## Done\n\n## Blocked\n';

/** Saves the board the way editors do: a temp file renamed over it. */
function save(path: string, text: string): void {
  writeFileSync(`${path}.swp`, text);
  renameSync(`${path}.swp`, path);
}

function addCards(path: string, lines: string[]): void {
  const text = readFileSync(path, 'utf8');
  save(path, text.replace('## Backlog\n', `## Backlog\n${lines.join('\n')}\n`));
}

async function until(path: string, done: (text: string) => boolean, timeoutMs = 30_000): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (done(readFileSync(path, 'utf8'))) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error('timed out');
    await sleep(2);
  }
}

async function rawWatchBaseline(dir: string): Promise<number> {
  const path = join(dir, 'raw.txt');
  writeFileSync(path, '');
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const seen = new Promise<number>((resolve) => {
      const start = performance.now();
      const watcher = watch(dir, () => {
        watcher.close();
        resolve(performance.now() - start);
      });
      writeFileSync(path, String(i));
    });
    times.push(await seen);
  }
  return percentile(times, 50);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'quimbot-claim-'));
  try {
    mkdirSync(join(dir, 'kanban'));
    const boardPath = join(dir, 'kanban', 'KANBAN.md');
    writeFileSync(boardPath, BOARD);
    const parsed = ConfigSchema.parse({ scheduler: { pollMs: 60_000 }, listen: { port: 0 }, agents: [{ name: 'Cursor', role: 'execution', concurrency: 4 }] });
    const config: Config = { ...parsed, workspace: dir, file: null, agents: parsed.agents.map((a) => ({ ...a, backend: 'pipeline' as const })) };
    const daemon = await startDaemon({ config, log: silentLogger });
    try {
      const latencies: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        addCards(boardPath, [`- **Probe ${i}** \`/board show\``]);
        latencies.push(await until(boardPath, (t) => parseBoard(t).cards.some((c) => c.title === `Probe ${i}` && c.column !== 'backlog')));
        await until(boardPath, (t) => parseBoard(t).cards.some((c) => c.title === `Probe ${i}` && c.column === 'done'));
      }
      const bulk = Array.from({ length: BULK }, (_, i) => `- **Bulk ${i}** \`/board show\``);
      const start = performance.now();
      addCards(boardPath, bulk);
      await until(boardPath, (t) => parseBoard(t).cards.filter((c) => c.title.startsWith('Bulk') && c.column === 'done').length === BULK, 120_000);
      const bulkMs = performance.now() - start;
      const raw = await rawWatchBaseline(dir);
      const p50 = percentile(latencies, 50);
      const p99 = percentile(latencies, 99);
      console.log(`edit-to-claim p50 (${SAMPLES})   ${p50.toFixed(1).padStart(7)} ms   target ≤ ${TARGETS.p50} ms  ${p50 <= TARGETS.p50 ? 'OK' : 'MISS'}   baseline (raw fs.watch p50) ${raw.toFixed(1)} ms`);
      console.log(`edit-to-claim p99 (${SAMPLES})   ${p99.toFixed(1).padStart(7)} ms   target ≤ ${TARGETS.p99} ms  ${p99 <= TARGETS.p99 ? 'OK' : 'MISS'}`);
      console.log(`${BULK} cards to Done         ${bulkMs.toFixed(0).padStart(7)} ms   (${((BULK / bulkMs) * 1000).toFixed(1)} cards/s, offline backend, 4 at a time)`);
      console.log(`peak RSS                   ${(process.resourceUsage().maxRSS / 1024).toFixed(0).padStart(7)} MB`);
      if (p50 > TARGETS.p50 || p99 > TARGETS.p99) process.exitCode = 1;
    } finally {
      await daemon.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
