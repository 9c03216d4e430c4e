import { dirname } from 'node:path';
import { cardById } from '../board/index.ts';
import type { Board, BoardFile, Card, ColumnKind, Edit } from '../board/index.ts';
import type { Logger } from '../log.ts';
import { costOf } from '../providers/index.ts';
import type { ProviderSettings } from '../providers/index.ts';
import { newRunId } from '../store/index.ts';
import type { CardEvent, Lease, RunRecord, Store } from '../store/index.ts';
import type { AnyTool, FineTuneModels } from '../tools/index.ts';
import type { AgentBackend, Usage } from './backend.ts';
import { execute, linkFrom } from './execute.ts';
import type { Execution } from './execute.ts';
import { RunLogs } from './run-log.ts';
import { cardsIn, schedule } from './schedule.ts';
import type { Claim } from './schedule.ts';
import { mayUseTool } from './spec.ts';
import type { AgentSpec } from './spec.ts';

/** How the runtime schedules and retries (the config's `scheduler` section). */
export interface RuntimeSettings {
  pollMs: number;
  leaseMs: number;
  maxAttempts: number;
  backoffMs: number;
  backoffMaxMs: number;
  triage: boolean;
}

/** Everything the runtime works with, passed in by the daemon. */
export interface RuntimeOptions {
  file: BoardFile;
  store: Store;
  agents: readonly AgentSpec[];
  backends: Readonly<Record<AgentSpec['backend'], AgentBackend>>;
  tools: readonly AnyTool[];
  workspace: string;
  runsDir: string;
  settings: RuntimeSettings;
  prices: Readonly<Record<string, { input: number; output: number }>>;
  /** Model providers for the tools that call them (gen, ft, eval). */
  providers?: Readonly<Record<string, ProviderSettings>>;
  /** The configuration's fine-tuning prices and limits. */
  fineTuneModels?: FineTuneModels;
  /** Told of each board write of the runtime's own (with the board as written, parsed on first use), before the watcher sees it. */
  written?: (outcome: { readonly board: Board }) => void;
  /** This daemon's name (`config.name`): a mention of it asks for no one in particular. */
  self?: string;
  log: Logger;
  now?: () => number;
}

interface ActiveRun {
  claim: Claim;
  lease: Lease;
  /** The attempt its claim counted. */
  attempt: number;
  controller: AbortController;
  done: Promise<void>;
  /** Its work is done and only its outcome, log and records are being written: its agent is free for the next card. */
  finishing: boolean;
}

/**
 * The agent runtime: on every board change and on a timer it claims cards (a lease in the
 * store, then the card moved to In Progress with its agent as owner), runs them on the agent's
 * backend, and writes the outcome back as minimal edits. A human's move wins: a running card
 * moved away or deleted cancels its run.
 */
export class AgentRuntime {
  readonly #o: RuntimeOptions;
  readonly #now: () => number;
  readonly #logs: RunLogs;
  readonly #active = new Map<string, ActiveRun>();
  #timer: NodeJS.Timeout | null = null;
  #ticking: Promise<void> | null = null;
  #again = false;
  #stopping = false;
  /** Store writes made outside a run's own sequence (usage from a stream), awaited on stop. */
  readonly #pending = new Set<Promise<unknown>>();

  constructor(options: RuntimeOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#logs = new RunLogs(options.runsDir);
  }

  /** Cards being worked on now, by card id. */
  get running(): ReadonlyMap<string, { agent: string; runId: string; title: string }> {
    return new Map([...this.#active].map(([id, run]) => [id, { agent: run.claim.agent.name, runId: run.lease.runId, title: run.claim.card.title }]));
  }

  /** Puts back what a previous process left running, then starts claiming. */
  async start(): Promise<void> {
    this.#logs.prepare();
    await this.#reconcile();
    this.#timer = setInterval(() => this.poke(), this.#o.settings.pollMs);
    this.#timer.unref();
    await this.tick();
  }

  /** The board changed: a human's change may cancel runs; any change may make cards claimable. */
  boardChanged(board: Board, own: boolean): void {
    if (!own) {
      for (const [id, run] of this.#active) {
        if (run.finishing) continue;
        const card = cardById(board.cards, id);
        if (!card || card.column !== run.lease.column) {
          const where = card ? `moved to ${card.column}` : 'deleted';
          this.#o.log.info(`card "${run.claim.card.title}" ${where} by a human: cancelling its run`, { card: id, run: run.lease.runId });
          run.controller.abort(`the card was ${where} by a human`);
        }
      }
    }
    this.poke();
  }

  /** Asks for a scheduling pass; passes never overlap, and one asked for during a pass runs after it. */
  poke(): void {
    if (this.#stopping) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    void this.tick();
  }

  /** One scheduling pass over the latest board. */
  async tick(): Promise<void> {
    if (this.#ticking) {
      this.#again = true;
      return this.#ticking;
    }
    this.#ticking = this.#pass().catch((error: unknown) => this.#o.log.error(`scheduling failed: ${(error as Error).message}`));
    try {
      await this.#ticking;
    } finally {
      this.#ticking = null;
    }
    if (this.#again && !this.#stopping) {
      this.#again = false;
      await this.tick();
    }
  }

  /** Stops claiming, cancels every run (their cards go back to Backlog) and waits for them. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const run of this.#active.values()) run.controller.abort('the daemon is stopping');
    await Promise.allSettled([this.#ticking, ...[...this.#active.values()].map((r) => r.done)]);
    // A claim under way when the stop began has started its run since: it stops and is waited for too.
    for (const run of this.#active.values()) run.controller.abort('the daemon is stopping');
    await Promise.allSettled([...this.#active.values()].map((r) => r.done));
    await Promise.allSettled([...this.#pending]);
  }

  #track(write: Promise<unknown>): void {
    const tracked = write.catch((error: unknown) => this.#o.log.error(`state write failed: ${(error as Error).message}`));
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }

  async #pass(): Promise<void> {
    const { store, settings } = this.#o;
    const board = await this.#o.file.read();
    // A card the daemon blocked that a human moved back to Backlog is tried afresh.
    const blocked = store.blockedCards();
    for (const card of blocked.size > 0 ? cardsIn(board, ['backlog']) : []) {
      if (blocked.has(card.id) && store.cardState(card.id)?.blocked) await store.updateCard(card.id, { attempts: 0, blocked: false, nextAttemptAt: 0, lastError: null });
    }
    const running = new Map<string, number>();
    for (const run of this.#active.values()) if (!run.finishing) running.set(run.claim.agent.name, (running.get(run.claim.agent.name) ?? 0) + 1);
    const { claims, waiting } = schedule({
      board,
      agents: this.#o.agents,
      running,
      leased: new Set(store.state.leases.map((l) => l.cardId)),
      retry: (id) => store.cardState(id),
      now: this.#now(),
      maxAttempts: settings.maxAttempts,
      triage: settings.triage,
      ...(this.#o.self ? { self: this.#o.self } : {}),
    });
    for (const { card, reason } of waiting) await this.#reportWaiting(card, reason);
    // Claimed together, so their leases share one state write and their moves one board write.
    await Promise.all(claims.map((claim) => (this.#stopping ? undefined : this.#claim(claim))));
  }

  async #claim(claim: Claim): Promise<void> {
    const { card, agent } = claim;
    const now = this.#now();
    const column = claim.kind === 'run' ? 'in_progress' : 'review';
    const lease: Lease = { cardId: card.id, title: card.title, agent: agent.name, runId: newRunId(now), column, boot: this.#o.store.boot, acquiredAt: now, expiresAt: now + this.#o.settings.leaseMs };
    const { store } = this.#o;
    // The run's first attempt is counted with its lease, in the same state write, rather than in
    // one of its own between the card's move and the run's start.
    const attempt = (store.cardState(card.id)?.attempts ?? 0) + 1;
    if (!(await store.claim(lease, { attempts: attempt }))) return;
    if (claim.kind === 'run') {
      const written = await this.#edit([{ kind: 'move', card: card.id, to: 'in_progress', owner: agent.name, expect: { column: 'backlog' } }]);
      if (!written) {
        await Promise.all([store.release(lease.runId), store.updateCard(card.id, { attempts: attempt - 1 })]);
        return;
      }
    }
    this.#event(card, claim.kind === 'run' ? 'claimed' : 'review', agent.name, null);
    this.#o.log.info(`${agent.name} ${claim.kind === 'run' ? 'claimed' : 'is checking'} "${card.title}"`, { card: card.id, run: lease.runId, backend: agent.backend });
    const controller = new AbortController();
    const run: ActiveRun = { claim, lease, attempt, controller, done: Promise.resolve(), finishing: false };
    this.#active.set(card.id, run);
    // Its lease is released before its last records are written: by then the card may be claimed
    // again (a person moved it back), and that run must stay known (to cancel it, to count it).
    run.done = this.#run(run).finally(() => {
      if (this.#active.get(card.id) === run) this.#active.delete(card.id);
    });
  }

  async #run(run: ActiveRun): Promise<void> {
    const { claim, lease, controller, attempt: counted } = run;
    const { store, settings } = this.#o;
    const { card, agent } = claim;
    const runLog = this.#logs.open(lease.runId);
    const logPath = runLog.path;
    runLog.write(`# ${agent.name} (${agent.backend}) on "${card.title}" [${card.id}], ${new Date(lease.acquiredAt).toISOString()}\n`);
    const record: RunRecord = { id: lease.runId, cardId: card.id, title: card.title, agent: agent.name, backend: agent.backend, startedAt: lease.acquiredAt, endedAt: null, attempts: 0, outcome: null, summary: null, error: null, log: logPath };
    // Not awaited: it goes with the run's next state write (the journal writes changes in order).
    this.#track(store.recordRun(record));
    const renew = setInterval(() => void store.renew(lease.runId, this.#now() + settings.leaseMs), Math.max(250, settings.leaseMs / 3));
    const timeout = setTimeout(() => controller.abort(`timed out after ${agent.timeoutMs} ms`), agent.timeoutMs);
    let execution: Execution;
    try {
      execution = await execute({
        card,
        agent,
        backend: this.#o.backends[agent.backend],
        tools: this.#o.tools.filter((t) => mayUseTool(agent, t.name)),
        workspace: this.#o.workspace,
        signal: controller.signal,
        runLog,
        log: this.#o.log.child({ agent: agent.name, card: card.id }),
        maxAttempts: settings.maxAttempts,
        attempts: counted - 1,
        backoff: (attempt, error) => error.retryAfterMs ?? Math.min(settings.backoffMaxMs, settings.backoffMs * 2 ** (attempt - 1)),
        onAttempt: async (attempt, error) => {
          record.attempts = attempt;
          if (attempt === counted && !error) return; // counted with the claim
          await store.updateCard(card.id, { attempts: attempt, ...(error ? { lastError: error.reason } : {}) });
          if (error) this.#event(card, 'retry', agent.name, error.reason);
        },
        onUsage: (usage) => this.#track(this.#recordUsage(lease.runId, agent.name, usage)),
        ...(this.#o.providers ? { providers: { providers: this.#o.providers, prices: this.#o.prices, env: process.env } } : {}),
        ...(this.#o.fineTuneModels ? { fineTuneModels: this.#o.fineTuneModels } : {}),
        onPhase: (phase) => this.#track(this.#o.file.update([{ kind: 'note', card: card.id, text: phase, expect: { column: 'in_progress' } }]).then(() => {}, () => {})),
        memory: {
          get: (key) => store.cardState(card.id)?.memo[key],
          set: async (key, value) => {
            await store.updateCard(card.id, { memo: { ...store.cardState(card.id)?.memo, [key]: value } });
          },
        },
      });
    } finally {
      clearInterval(renew);
      clearTimeout(timeout);
    }
    // The agent takes its next card while this run's outcome is written, its log closed and its
    // records written (most of a short run's time): the card keeps its lease until they are.
    run.finishing = true;
    this.poke();
    const link = linkFrom(dirname(this.#o.file.path), logPath);
    const outcome = await this.#writeOutcome(claim, execution, link, controller.signal);
    runLog.write(`# outcome: ${outcome}${execution.ok ? `: ${execution.result.summary}` : `: ${execution.error.reason}`}\n`);
    // Its last line is in the file before the run is recorded as ended (the web view's log stream relies on it).
    await runLog.close();
    Object.assign(record, {
      endedAt: this.#now(),
      attempts: execution.attempts,
      outcome,
      summary: execution.ok ? execution.result.summary : null,
      error: execution.ok ? null : execution.error.reason,
    });
    const writes: Array<Promise<unknown>> = [store.recordRun(record)];
    // What the run remembered is for resuming it after a crash; a run that ended forgets it. One
    // that waits for a person's answer (a peer's question) keeps it: the answer continues the same task.
    const waiting = !execution.ok && execution.error.code === 'INPUT_REQUIRED';
    if (outcome !== 'interrupted' && !waiting) writes.push(store.updateCard(card.id, { memo: {} }));
    // Made together, written together: the lease goes last, so once it is written everything before it is.
    writes.push(store.release(lease.runId));
    await Promise.all(writes);
    this.#o.log.info(`"${card.title}": ${outcome}${execution.ok ? ` (${execution.result.summary})` : ` (${execution.error.reason})`}`, { card: card.id, run: lease.runId });
    this.poke();
  }

  /** Writes how the run ended onto the card; returns the outcome recorded for the run. */
  async #writeOutcome(claim: Claim, execution: Execution, link: string, signal: AbortSignal): Promise<RunRecord['outcome']> {
    const { card, agent, kind } = claim;
    const expect = { column: kind === 'run' ? ('in_progress' as const) : ('review' as const) };
    if (!execution.ok && execution.error.code === 'CANCELLED') {
      if (!this.#stopping) {
        this.#event(card, 'cancelled', agent.name, String(signal.reason ?? 'cancelled'));
        return 'cancelled';
      }
      // Stopping the daemon hands the card back; the next start runs it again.
      await this.#edit([{ kind: 'move', card: card.id, to: kind === 'run' ? 'backlog' : 'review', expect }]);
      this.#event(card, 'returned', agent.name, 'daemon stopped');
      return 'interrupted';
    }
    if (execution.ok) {
      const summary = oneLine(execution.result.summary);
      const to = kind === 'review' || !agent.review ? 'done' : 'review';
      const extra = (execution.result.links ?? []).map((l) => ` · ${l}`).join('');
      const note = kind === 'review' ? `✔️ checked by ${agent.name}: ${summary} ([log](${link}))${extra}` : `✅ ${summary} ([log](${link}))${extra}`;
      const written = await this.#moveWithNote(card, to, note, expect);
      // Written with the run's end, which is awaited.
      this.#track(this.#o.store.updateCard(card.id, { attempts: 0, lastError: null, nextAttemptAt: 0 }));
      this.#event(card, kind === 'review' ? 'verified' : to === 'done' ? 'done' : 'review', agent.name, summary);
      return written ? to : 'dropped';
    }
    const reason = oneLine(execution.error.reason);
    const tries = execution.attempts > 1 ? ` (after ${execution.attempts} attempts)` : '';
    if (kind === 'review') {
      await this.#moveWithNote(card, 'backlog', `❌ check by ${agent.name} failed: ${reason} ([log](${link}))`, expect);
      this.#event(card, 'rejected', agent.name, reason);
      return 'backlog';
    }
    const written = await this.#edit([{ kind: 'block', card: card.id, reason: `${reason}${tries}`, expect }]);
    await this.#o.store.updateCard(card.id, { blocked: true, lastError: reason });
    this.#event(card, 'blocked', agent.name, reason);
    return written ? 'blocked' : 'dropped';
  }

  /** Leases left by a process that is gone: their cards go back to where a run can pick them up. */
  async #reconcile(): Promise<void> {
    const orphans = this.#o.store.orphanedLeases(this.#now());
    if (orphans.length === 0) return;
    const board = await this.#o.file.read();
    for (const lease of orphans) {
      const card = board.cards.find((c) => c.id === lease.cardId);
      if (card && lease.column === 'in_progress' && card.column === 'in_progress' && card.owner === lease.agent) {
        await this.#edit([
          { kind: 'move', card: card.id, to: 'backlog', expect: { column: 'in_progress', owner: lease.agent } },
          { kind: 'note', card: card.id, text: `↩️ run ${lease.runId} was interrupted (the daemon stopped); it will run again` },
        ]);
        this.#event(card, 'returned', lease.agent, 'interrupted run');
      }
      // The process may have died between taking the lease and recording the run.
      const run = this.#o.store.state.runs.find((r) => r.id === lease.runId) ?? {
        id: lease.runId,
        cardId: lease.cardId,
        title: lease.title,
        agent: lease.agent,
        backend: this.#o.agents.find((a) => a.name === lease.agent)?.backend ?? 'unknown',
        startedAt: lease.acquiredAt,
        endedAt: null,
        attempts: 0,
        outcome: null,
        summary: null,
        error: null,
        log: this.#logs.pathOf(lease.runId),
      };
      if (run.outcome === null) {
        // The card may have been written with the run's result just before the process died,
        // the run's record not: the card's link to the run's log says how the run ended.
        const ended = card && card.text.includes(`${lease.runId}.log`) ? endedIn(card.column) : null;
        await this.#o.store.recordRun({ ...run, outcome: ended ?? 'interrupted', endedAt: this.#now() });
        if (ended === 'done' || ended === 'review') await this.#o.store.updateCard(lease.cardId, { memo: {} });
      }
      await this.#o.store.release(lease.runId);
      this.#o.log.warn(`released the lease on "${lease.title}" left by an earlier run`, { card: lease.cardId, run: lease.runId });
    }
  }

  async #reportWaiting(card: Card, reason: string): Promise<void> {
    if (this.#o.store.cardState(card.id)?.reported === reason) return;
    await this.#edit([{ kind: 'note', card: card.id, text: `⏳ ${reason}`, expect: { column: 'backlog' } }]);
    await this.#o.store.updateCard(card.id, { reported: reason });
    this.#event(card, 'waiting', null, reason);
  }

  /** Applies edits to the latest bytes; false (and logged by the file) when a human's change wins. */
  /**
   * Moves the card with a note under it, in one edit; true when it moved. A card a human moved
   * meanwhile stays where they put it, with the note added all the same.
   */
  async #moveWithNote(card: Card, to: ColumnKind, note: string, expect: { column: ColumnKind }): Promise<boolean> {
    if (await this.#edit([{ kind: 'move', card: card.id, to, note, expect }])) return true;
    await this.#edit([{ kind: 'note', card: card.id, text: note }]);
    return false;
  }

  async #edit(edits: Edit[]): Promise<boolean> {
    try {
      const outcome = await this.#o.file.update(edits);
      if (outcome.written) this.#o.written?.(outcome);
      return outcome.dropped.length === 0;
    } catch (error) {
      this.#o.log.error(`board write failed: ${(error as Error).message}`, { code: (error as { code?: string }).code });
      return false;
    }
  }

  /** History is for standups and reports: an event is written in order with the next change someone awaits, not waited for alone. */
  #event(card: Card, kind: CardEvent['kind'], agent: string | null, detail: string | null): void {
    this.#track(this.#o.store.addEvent({ at: this.#now(), cardId: card.id, title: card.title, kind, agent, detail }));
  }

  async #recordUsage(runId: string, agent: string, usage: Usage): Promise<void> {
    const costUsd = usage.costUsd ?? costOf(this.#o.prices, usage.model, usage.inputTokens, usage.outputTokens);
    await this.#o.store.addUsage({ at: this.#now(), runId, agent, provider: usage.provider, model: usage.model, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd });
  }
}

/** The outcome a run's result note in this column means (a Blocked card's reason links no log). */
function endedIn(column: Card['column']): RunRecord['outcome'] {
  return column === 'done' || column === 'review' ? column : null;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line || '(no summary)';
}
