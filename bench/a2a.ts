/**
 * Delegation between two daemons on loopback (not a test):
 * `node --import tsx bench/a2a.ts [cards] [--rounds N] [--http] [--one-at-a-time N] [--prefill N] [--in-flight N] [--runs N] [--one-process]`.
 * Petrarch runs as its own process (`quimbot start` in its workspace), as on its own machine;
 * `--one-process` starts both daemons in this one. Quimbot sends each card to Petrarch over A2A
 * (over the peers' WebSocket; `--http` for plain JSON-RPC over HTTP), with the durable outbox on
 * (the message id saved before each send, the task id after). Petrarch's offline team runs it and the result streams back. Each card's work is
 * trivial (`/doctor` on a one-line file), so the figures are the delegation's and not the tool's:
 * a card that lists the whole board (`/board show`) would cost more with every card added.
 *
 * Two phases: every card added at once (throughput), then cards one at a time (latency), each
 * on boards of the same size (the cards done before are archived; `--prefill N` for larger boards).
 * The throughput phase offers all the load the channel takes, as a throughput bench should:
 * Quimbot keeps as many delegations open at Petrarch as a peer's `concurrency` allows (64), and
 * Petrarch's agent runs as many at once as an agent's `concurrency` allows (64); the card's work
 * is nothing, so what is measured is the channel's. With the config's default of 16 in flight
 * (`--in-flight 16 --runs 8`) the figure is bound by the round trip instead: 16 / round trip.
 * Round trip: the peer backend's run, from sending the message to the peer's result here.
 * Board to board: the card added here by hand to Done here (watchers, claims and both boards).
 * The issue's target: ≥ 300 delegations/s and p50 ≤ 20 ms over the WebSocket. Round 1 starts
 * both daemons cold: about half of its CPU goes to V8 compiling the code each delegation runs
 * (perf on both processes: 3.0 of 5.8 CPU seconds, against 0.5 of 2.4 in round 3).
 * Baseline, first, in the same run: the same frames between two processes with nothing else done
 * (bench/ws-baseline.ts), the transport's ceiling; it moves with the host's speed as the rest does.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentBackend } from '../src/agents/backend.ts';
import { ConfigSchema, resolveConfig } from '../src/config.ts';
import { startDaemon } from '../src/daemon.ts';
import { silentLogger } from '../src/log.ts';
import { peerBackend } from '../src/protocol/a2a/peer-backend.ts';
import { PeerLinks } from '../src/protocol/a2a/peer-links.ts';
import { spawnDaemon, stopDaemonProcess } from '../test/helpers/daemon-process.ts';
import { percentile, processCpuMicros } from './measure.ts';
import { wsBaseline } from './ws-baseline.ts';

const args = process.argv.slice(2);
const flag = (name: string) => args.indexOf(name);
const WITH_NUMBER = ['--rounds', '--one-at-a-time', '--prefill', '--in-flight', '--runs'];
/** The number after a flag (one of WITH_NUMBER), or `fallback` without the flag. */
const numberAfter = (name: string, fallback: number) => (flag(name) >= 0 ? Number(args[flag(name) + 1]) : fallback);
const CARDS = Number(args.find((a, i) => /^\d+$/.test(a) && !WITH_NUMBER.includes(args[i - 1] ?? '')) ?? 1000);
// The all-at-once phase, this many times over the same two daemons: the first runs cold (both
// just started: V8 compiles as it goes), the others warm, as daemons that have run a while (each
// on boards of the same size: the round before's cards are archived).
const ROUNDS = numberAfter('--rounds', 2);
const ONE_BY_ONE = numberAfter('--one-at-a-time', 50);
const HTTP = flag('--http') >= 0;
const ONE_PROCESS = flag('--one-process') >= 0;
// Done cards already on both boards: how delegation scales with the board's size alone.
const PREFILL = numberAfter('--prefill', 0);
// Delegations Quimbot keeps open at Petrarch (the peer's `concurrency`, 16 in a config that
// leaves it out), and Petrarch's runs at once (its agent's); the most either allows is 64.
const IN_FLIGHT = numberAfter('--in-flight', 64);
const RUNS = numberAfter('--runs', 64);
const BOARD = '# Board\n\n## Backlog\n\n## In Progress\n\n## Done\n\n## Blocked\n';

/** CPU time a delegation, all threads of the process, with the part spent in the kernel (file writes, fsyncs, sockets). */
function cpu(used: NodeJS.CpuUsage, count: number): string {
  const per = (micros: number) => (micros / 1000 / Math.max(1, count)).toFixed(1);
  return `CPU ${per(used.user + used.system)} ms a delegation (${per(used.system)} ms of it in the kernel)`;
}

const ms = (values: number[]) => `p50 ${percentile(values, 50).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms`;

function workspaceWith(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `quimbot-a2a-${name}-`));
  mkdirSync(join(dir, 'kanban'));
  const done = Array.from({ length: PREFILL }, (_, i) => `- **Earlier ${i}** \`/doctor README.md\` — Cursor\n  - ✅ done before\n`).join('');
  writeFileSync(join(dir, 'kanban', 'KANBAN.md'), BOARD.replace('## Done\n', `## Done\n${done}`));
  writeFileSync(join(dir, 'README.md'), `# ${name}\n`);
  return dir;
}

const config = (dir: string, raw: Record<string, unknown>) =>
  resolveConfig(ConfigSchema.parse({ scheduler: { pollMs: 60_000 }, listen: { port: 0 }, ...raw }), { workspace: dir, env: {} });

/** The peer backend, timed: each run is one delegation's round trip. */
function timed(backend: AgentBackend, rounds: number[]): AgentBackend {
  return {
    kind: backend.kind,
    async run(context) {
      const start = performance.now();
      const result = await backend.run(context);
      rounds.push(performance.now() - start);
      return result;
    },
  };
}

/** Adds the lines to Backlog the way an editor saves, and waits until all are Done here; the time each took. */
async function delegate(boardPath: string, titles: string[]): Promise<number[]> {
  const text = readFileSync(boardPath, 'utf8');
  // Woken by the board file changing (not the temp files beside it), and every 50 ms in case an event is missed.
  let wake: (() => void) | null = null;
  const watcher = watch(dirname(boardPath), (_event, name) => {
    if (!name || name.toString() === basename(boardPath)) wake?.();
  });
  const added = performance.now();
  writeFileSync(`${boardPath}.swp`, text.replace('## Backlog\n', `## Backlog\n${titles.map((t) => `- **${t}** \`/doctor README.md\` @Petrarch`).join('\n')}\n`));
  renameSync(`${boardPath}.swp`, boardPath);
  const waiting = new Set(titles);
  const doneBefore = countOf(section(Buffer.from(text), 'Done'), '\n- **');
  const times: number[] = [];
  let seen = Buffer.alloc(0);
  try {
    while (waiting.size > 0 && performance.now() - added < 600_000) {
      const changed = new Promise<void>((resolve) => (wake = resolve));
      const now = readFileSync(boardPath);
      if (!now.equals(seen)) {
        seen = now;
        // Read as bytes, not parsed or decoded: the bench must not take the daemons' parse memo for
        // its own, and this loop shares Quimbot's thread. With many cards waiting only Done's cards
        // are counted (the time each took is the time its count rose); the titles are matched once
        // all are there. A few cards are looked for by name.
        const done = section(now, 'Done');
        const blocked = section(now, 'Blocked');
        if (blocked.includes('\n- **')) throw new Error(`a card was blocked: ${blocked.toString()}`);
        if (titles.length > 8) {
          const count = countOf(done, '\n- **');
          while (times.length < Math.min(count - doneBefore, titles.length)) times.push(performance.now() - added);
          if (times.length === titles.length) {
            const listed = new Set(titlesIn(done.toString()));
            const missing = titles.filter((title) => !listed.has(title));
            if (missing.length > 0) throw new Error(`${missing.length} cards missing from Done: ${missing.slice(0, 5).join(', ')}`);
            waiting.clear();
          }
        } else {
          for (const title of waiting) {
            if (!done.includes(`**${title}**`)) continue;
            waiting.delete(title);
            times.push(performance.now() - added);
          }
        }
      }
      if (waiting.size === 0) break;
      await Promise.race([changed, sleep(50)]);
      // Many cards: read at most every 20 ms (reading the whole board on every write would be the bench's own load).
      if (titles.length > 1) await sleep(20);
    }
  } finally {
    watcher.close();
  }
  return times;
}

/** Cuts the Done cards this bench added ("Probe …") from a board, saved the way an editor saves. */
function archiveDone(boardPath: string): void {
  const text = readFileSync(boardPath, 'utf8');
  const start = text.indexOf('\n## Done\n') + '\n## Done\n'.length;
  const end = text.indexOf('\n## ', start);
  const kept = text.slice(start, end === -1 ? text.length : end).split(/\n(?=- )/).filter((card) => !/^- (\[x\] )?\*\*Probe /.test(card));
  writeFileSync(`${boardPath}.swp`, text.slice(0, start) + kept.join('\n') + (end === -1 ? '' : text.slice(end)));
  renameSync(`${boardPath}.swp`, boardPath);
}

/** The bold titles of the cards in a column's text. */
function titlesIn(column: string): string[] {
  return [...column.matchAll(/^- \*\*(.+?)\*\*/gm)].map((match) => match[1]!);
}

function countOf(bytes: Buffer, needle: string): number {
  let count = 0;
  for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + needle.length)) count++;
  return count;
}

/** The bytes of a column, from its heading to the next. */
function section(bytes: Buffer, column: string): Buffer {
  const start = bytes.indexOf(`\n## ${column}\n`);
  if (start === -1) return Buffer.alloc(0);
  const end = bytes.indexOf('\n## ', start + 1);
  return bytes.subarray(start, end === -1 ? bytes.length : end);
}

async function sockets(url: string): Promise<string> {
  const health = (await (await fetch(`${url}/healthz`)).json()) as { peerSockets?: { connections: number; requests: number } };
  return `${health.peerSockets?.requests ?? 0} requests over ${health.peerSockets?.connections ?? 0} socket(s)`;
}

/** Petrarch, in this process or as its own: where it listens, its CPU time so far, and how to stop it. */
interface Peer {
  url: string;
  cpuMicros(): number;
  stop(): Promise<void>;
}

const PETRARCH = { name: 'Petrarch', scheduler: { pollMs: 60_000 }, listen: { port: 0 }, agents: [{ name: 'Cursor', role: 'execution', concurrency: RUNS }] };

async function startPetrarch(dir: string): Promise<Peer> {
  if (ONE_PROCESS) {
    const daemon = await startDaemon({ config: config(dir, PETRARCH), log: silentLogger });
    return { url: daemon.url, cpuMicros: () => 0, stop: () => daemon.stop() };
  }
  writeFileSync(join(dir, 'quimbot.config.json'), JSON.stringify(PETRARCH));
  // With this process's Node flags but its loader (the bin registers tsx itself): `node --cpu-prof …
  // bench/a2a.ts` profiles both daemons.
  const nodeArgs = process.execArgv.filter((arg, i, all) => arg !== '--import' && all[i - 1] !== '--import');
  const daemon = spawnDaemon({ dir, cleanup: () => {} }, { nodeArgs });
  const url = await daemon.listening;
  return { url, cpuMicros: () => processCpuMicros(daemon.child.pid), stop: () => stopDaemonProcess(daemon) };
}

const baseline = await wsBaseline(CARDS, IN_FLIGHT, Math.max(ONE_BY_ONE, 20));
console.log(`baseline, the same frames between two processes and nothing else: ${baseline.perSecond.toFixed(0)} delegations/s (${IN_FLIGHT} in flight), CPU ${baseline.cpuMs.toFixed(2)} ms a delegation; one at a time p50 ${baseline.p50.toFixed(2)} ms`);

const there = workspaceWith('petrarch');
const here = workspaceWith('quimbot');
const links = new PeerLinks({ log: silentLogger, sockets: !HTTP });
const rounds: number[] = [];
try {
  const petrarch = await startPetrarch(there);
  const quimbot = await startDaemon({
    config: config(here, { name: 'Quimbot', agents: [{ name: 'Codex', role: 'execution' }], peers: [{ name: 'Petrarch', url: petrarch.url, concurrency: IN_FLIGHT }] }),
    log: silentLogger,
    backends: { a2a: timed(peerBackend(links), rounds) },
  });
  try {
    const boardPath = join(here, 'kanban', 'KANBAN.md');
    const inFlight = `at most ${IN_FLIGHT} delegations in flight, ${RUNS} runs at Petrarch`;
    const layout = ONE_PROCESS ? 'both daemons in this process' : 'Petrarch in its own process';
    console.log(`over ${HTTP ? 'HTTP JSON-RPC' : 'the WebSocket'}; durable outbox on; ${layout}; ${inFlight}`);

    for (let round = 1; CARDS > 0 && round <= ROUNDS; round++) {
      // Each round on boards of the same size: the last round's Done cards are archived (cut from both boards, as a person would).
      if (round > 1) for (const dir of [here, there]) archiveDone(join(dir, 'kanban', 'KANBAN.md'));
      const start = performance.now();
      const cpuBefore = process.cpuUsage();
      const peerBefore = petrarch.cpuMicros();
      rounds.length = 0;
      const boardToBoard = await delegate(boardPath, Array.from({ length: CARDS }, (_, i) => `Probe ${round}.${i}`));
      const seconds = (performance.now() - start) / 1000;
      const used = process.cpuUsage(cpuBefore);
      // The first round starts both daemons cold (their JIT compiles as it goes); later ones run warm.
      const which = ROUNDS === 1 ? 'all at once' : `all at once, round ${round}${round === 1 ? ' (cold)' : ''}`;
      console.log(`${which}: ${boardToBoard.length}/${CARDS} delegations in ${seconds.toFixed(2)} s: ${(boardToBoard.length / seconds).toFixed(1)} delegations/s (target ≥ 300)`);
      // CPU time is what other work on the machine does not change: compare runs by it.
      console.log(`  ${cpu(used, boardToBoard.length)}: ${ONE_PROCESS ? 'both daemons' : 'Quimbot'} and this loop`);
      if (!ONE_PROCESS) console.log(`  Petrarch: CPU ${((petrarch.cpuMicros() - peerBefore) / 1000 / Math.max(1, boardToBoard.length)).toFixed(1)} ms a delegation`);
      console.log(`  round trip ${ms(rounds)}; board to board ${ms(boardToBoard)}`);
    }

    if (ONE_BY_ONE > 0) {
      // On boards of the size the rounds start from, as a person archives Done (`--prefill` for larger).
      if (CARDS > 0 && ROUNDS > 0) for (const dir of [here, there]) archiveDone(join(dir, 'kanban', 'KANBAN.md'));
      rounds.length = 0;
      const single: number[] = [];
      const cpuSingle = process.cpuUsage();
      const peerBefore = petrarch.cpuMicros();
      for (let i = 0; i < ONE_BY_ONE; i++) single.push(...(await delegate(boardPath, [`Single ${i}`])));
      const usedSingle = process.cpuUsage(cpuSingle);
      console.log(`one at a time (${ONE_BY_ONE}): round trip ${ms(rounds)} (target p50 ≤ 20 ms); board to board ${ms(single)}`);
      console.log(`  ${cpu(usedSingle, single.length)}${ONE_PROCESS ? '' : `; Petrarch ${((petrarch.cpuMicros() - peerBefore) / 1000 / Math.max(1, single.length)).toFixed(1)} ms`}`);
    }
    console.log(`Petrarch served ${await sockets(petrarch.url)}; Quimbot's link: ${JSON.stringify((await links.states())[0]?.requests)}`);
    console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB${ONE_PROCESS ? '' : ' (Quimbot and this loop)'}`);
  } finally {
    await quimbot.stop();
    await links.close();
    await petrarch.stop();
  }
} finally {
  rmSync(there, { recursive: true, force: true });
  rmSync(here, { recursive: true, force: true });
}
