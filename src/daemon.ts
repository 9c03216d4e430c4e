import { setMaxListeners } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import type { AgentBackend } from './agents/backend.ts';
import { anthropicBackend } from './agents/backends/anthropic.ts';
import { cliBackend } from './agents/backends/cli.ts';
import { openaiBackend } from './agents/backends/openai.ts';
import { pipelineBackend } from './agents/backends/pipeline.ts';
import { AgentRuntime } from './agents/runtime.ts';
import type { AgentSpec } from './agents/spec.ts';
import { BoardFile, COLUMN_TITLES, watchBoard } from './board/index.ts';
import type { Board, BoardWatch } from './board/index.ts';
import { peerTokens, providerAccess } from './config.ts';
import type { Config } from './config.ts';
import { lockWorkspace } from './daemon-lock.ts';
import { DefaultRequestHandler } from '@a2a-js/sdk/server';
import { A2A_PATH, agentCard } from './protocol/a2a/card.ts';
import { BoardTaskExecutor, resumeTasks } from './protocol/a2a/executor.ts';
import { BoardPulse } from './protocol/a2a/pulse.ts';
import { peerBackend } from './protocol/a2a/peer-backend.ts';
import { PeerLinks } from './protocol/a2a/peer-links.ts';
import { StateTaskStore } from './protocol/a2a/task-store.ts';
import { A2A_WS_PATH } from './protocol/a2a/ws-frames.ts';
import { listen } from './protocol/http.ts';
import type { Listener } from './protocol/http.ts';
import { createMcpServer } from './protocol/mcp/server.ts';
import { createWebView } from './protocol/web/index.ts';
import type { Logger } from './log.ts';
import { standupDue, standupWritten, writeStandup } from './standup/index.ts';
import { Store } from './store/index.ts';
import { TOOLS } from './tools/index.ts';

/** The backends by kind; tests may replace one (a loopback provider, say). */
export type Backends = Record<AgentSpec['backend'], AgentBackend>;

/** What the daemon needs to run; the config's defaults work offline. */
export interface DaemonOptions {
  config: Config;
  log: Logger;
  backends?: Partial<Backends>;
}

/** A running daemon. */
export interface Daemon {
  readonly board: BoardFile;
  readonly runtime: AgentRuntime;
  readonly store: Store;
  /** The HTTP listener's base URL (MCP at `/mcp`). */
  readonly url: string;
  /** The listener itself (its peer sockets, for the peers report and tests). */
  readonly listener: Listener;
  /** The links to peers this daemon delegates to. */
  readonly peers: PeerLinks;
  stop(): Promise<void>;
}

/** One line that says what is on the board: columns in file order, with card counts. */
export function summarizeBoard(board: Board): string {
  const columns = board.columns.map((c) => `${COLUMN_TITLES[c.kind]} ${c.cards.length}`).join(' · ');
  return `${columns} (${board.cards.length} cards)`;
}

/**
 * The composition root: reads the board (a bad board stops the start with a clear error),
 * opens the state, puts back what an earlier process left running, then watches the board
 * and lets the agents claim cards until stopped.
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config, log } = options;
  const boardPath = resolve(config.workspace, config.board);
  const statePath = resolve(config.workspace, config.state);
  const unlock = lockWorkspace(join(dirname(statePath), 'daemon.pid'));
  try {
    const file = new BoardFile(boardPath, (event) => log.warn(event.message, event));
    const board = await file.read();
    const store = await Store.open(statePath, (warning) => log.warn(warning.message));
    // One link (agent card, client, socket) per peer, shared by every run delegating there.
    const lifetime = new AbortController();
    // Every open A2A task waits on this signal: many at once is normal, not a leak.
    setMaxListeners(10_000, lifetime.signal);
    const peers = new PeerLinks({ log });
    // Wakes the A2A tasks following cards: on the watcher's changes and the runtime's own writes.
    const pulse = new BoardPulse();
    const backends: Backends = {
      pipeline: pipelineBackend(),
      cli: cliBackend(),
      anthropic: anthropicBackend(),
      openai: openaiBackend(),
      a2a: peerBackend(peers, () => lifetime.signal.aborted),
      ...options.backends,
    };
    const runsDir = join(dirname(statePath), 'runs');
    const runtime = new AgentRuntime({
      file,
      store,
      agents: config.agents,
      backends,
      tools: TOOLS,
      workspace: config.workspace,
      runsDir,
      settings: config.scheduler,
      prices: config.prices,
      providers: config.providers,
      fineTuneModels: config.fineTune,
      self: config.name,
      written: (outcome) => pulse.pulse(() => outcome.board),
      log,
    });
    log.info(`board ${config.board}: ${summarizeBoard(board)}`);
    log.info(`team: ${config.agents.map((a) => `${a.name} (${a.role}, ${a.backend}${a.concurrency > 1 ? ` x${a.concurrency}` : ''})`).join(', ')}`);
    const card = agentCard(config.name, TOOLS);
    const tasks = new StateTaskStore(store);
    const a2a = new DefaultRequestHandler(card, tasks, new BoardTaskExecutor(file, lifetime.signal, pulse, () => runtime.poke()));
    const memoryDir = resolve(config.workspace, config.memory);
    const reportsDir = join(config.workspace, 'reports');
    const web = createWebView({
      workspace: config.workspace,
      boardPath,
      memoryDir,
      reportsDir,
      runsDir,
      store,
      team: { name: config.name, agents: config.agents, peers: config.peers },
      maxAttempts: config.scheduler.maxAttempts,
      running: () => runtime.running,
      // The page's edits are a person's: moving a running card away cancels its run, as in an editor.
      humanEdited: (edited) => runtime.boardChanged(edited, false),
      log: log.child({ component: 'web' }),
    });
    const listener: Listener = await listen({
      host: config.listen.host,
      port: config.listen.port,
      token: process.env[config.listen.tokenEnv] || null,
      mcp: () =>
        createMcpServer({
          workspace: config.workspace,
          boardPath,
          memoryDir,
          reportsDir,
          log,
          providers: providerAccess(config, 'mcp'),
          fineTuneModels: config.fineTune,
        }),
      a2a,
      peerTokens: peerTokens(config),
      web: web.install,
      log,
    });
    card.supportedInterfaces[0]!.url = `${listener.url}${A2A_PATH}`;
    card.supportedInterfaces[1]!.url = `${listener.url.replace(/^http/, 'ws')}${A2A_WS_PATH}`;
    const watch: BoardWatch = watchBoard(file, (change) => {
      if (change.kind === 'invalid') {
        log.warn(change.error.message, { code: change.error.code });
        web.boardChanged(change);
        return;
      }
      // The daemon's own writes are not parsed again unless a task waits on the board.
      if (change.own) {
        runtime.poke();
      } else {
        log.info(`board changed: ${summarizeBoard(change.board)}`, { hash: change.hash.slice(0, 12) });
        runtime.boardChanged(change.board, false);
      }
      pulse.pulse(() => change.board);
      listener.boardChanged();
      web.boardChanged(change);
    });
    await watch.ready;
    await runtime.start();
    const standups = setInterval(() => {
      store.absorbUsageJournal().catch((error: unknown) => log.warn(`usage journal: ${(error as Error).message}`));
      const kind = standupDue(Date.now(), config.standup, (date, k) => standupWritten(memoryDir, date, k));
      if (!kind) return;
      writeStandup({ boardPath, memoryDir, state: store.state, timeZone: config.standup.timeZone, kind, author: config.name }).then(
        (written) => log.info(`${kind} standup written to ${written.path}`),
        (error: unknown) => log.error(`standup failed: ${(error as Error).message}`),
      );
    }, 60_000);
    standups.unref();
    // A2A tasks still open from before a restart: their cards are followed again.
    resumeTasks(file, tasks.open(), (task) => tasks.save(task), lifetime.signal, pulse, () => runtime.poke());
    log.info(`listening on ${listener.url} (web view: ${listener.url}/, MCP: ${listener.url}/mcp, A2A: ${listener.url}${A2A_PATH})`);
    log.info(`watching ${config.board}; Ctrl-C to stop`);
    return {
      board: file,
      runtime,
      store,
      url: listener.url,
      listener,
      peers,
      async stop() {
        lifetime.abort();
        clearInterval(standups);
        await watch.close();
        web.close();
        await listener.close();
        await runtime.stop();
        await peers.close();
        // Writes nobody awaits (a lease renewal, a task saved as its stream drains) land before the
        // lock goes, and the state file then holds everything (its journal is empty).
        await store.close();
        unlock();
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}
