import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { DataFile } from 'lowdb/node';
import { emptyState, StateSchema } from './schema.ts';
import { StateSerializer } from './serialize.ts';
import type { CardEvent, CardState, Lease, RunRecord, State, UsageEntry } from './schema.ts';
import { journalPath, readJournal, takeJournal } from './usage-journal.ts';

/** How many records each list keeps: the store must not grow over weeks of running. */
export const LIMITS = { runs: 1000, history: 5000, ledger: 10_000, cards: 10_000, a2aTasks: 2000 };

/** A stored state that could not be read: it is set aside, never overwritten, and the daemon starts fresh. */
export interface StoreWarning {
  message: string;
  keptAs: string;
}

/**
 * The daemon's state in `.quimbot/state.json` (lowdb; each write goes to a temp file that
 * is renamed over the old one). Holds leases, retry state, runs, history and the cost
 * ledger; the board stays the source of truth for where cards are.
 */
export class Store {
  /** The write under way, and the next one: every change made meanwhile waits for that one. */
  #saving: Promise<void> | null = null;
  #queued: Promise<void> | null = null;

  private constructor(
    private readonly db: Low<State>,
    private readonly serializer: StateSerializer,
    private readonly path: string,
    /** This daemon's boot: leases from other boots belong to a process that is gone. */
    readonly boot: string,
  ) {}

  /** Opens (or creates) the state file. An unreadable one is renamed aside and reported. */
  static async open(path: string, onWarning: (warning: StoreWarning) => void = () => {}): Promise<Store> {
    mkdirSync(dirname(path), { recursive: true });
    const serializer = new StateSerializer();
    const db = new Low<State>(new DataFile<State>(path, { parse: (text) => StateSchema.parse(JSON.parse(text)), stringify: serializer.stringify }), emptyState());
    try {
      await db.read();
    } catch (error) {
      const keptAs = `${path}.corrupt-${Date.now()}`;
      renameSync(path, keptAs);
      onWarning({ message: `${path}: not a valid state file (${(error as Error).message.split('\n')[0]}); kept as ${keptAs}, starting fresh`, keptAs });
      db.data = emptyState();
    }
    const store = new Store(db, serializer, path, randomBytes(6).toString('hex'));
    await store.absorbUsageJournal();
    return store;
  }

  /**
   * Writes the state; resolves once a write made after this call's change is on disk. Changes
   * made while a write is under way share the next one: the whole state is serialised once for
   * all of them instead of once each (a busy daemon makes hundreds a second).
   */
  #save(): Promise<void> {
    if (this.#queued) return this.#queued;
    const queued = (async () => {
      await this.#saving?.catch(() => {});
      this.#queued = null;
      const saving = this.db.write();
      this.#saving = saving;
      try {
        await saving;
      } finally {
        if (this.#saving === saving) this.#saving = null;
      }
      for (const listener of this.#listeners) listener();
    })();
    this.#queued = queued;
    return queued;
  }

  /** Resolves once every write asked for so far is on disk (or has failed): a stopping daemon waits for it. */
  async flush(): Promise<void> {
    while (this.#queued || this.#saving) await (this.#queued ?? this.#saving)?.catch(() => {});
  }

  get state(): Readonly<State> {
    return this.db.data;
  }

  readonly #listeners = new Set<() => void>();

  /** Calls `listener` after every write (a claim, a renewal, a run, a ledger line); returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Takes a lease on a card unless someone holds a live one; false when taken. */
  async claim(lease: Omit<Lease, 'boot'>): Promise<boolean> {
    const live = this.db.data.leases.find((l) => l.cardId === lease.cardId);
    if (live) return false;
    this.db.data.leases.push({ ...lease, boot: this.boot });
    await this.#save();
    return true;
  }

  /** Pushes a run's lease expiry forward. */
  async renew(runId: string, expiresAt: number): Promise<void> {
    const lease = this.db.data.leases.find((l) => l.runId === runId);
    if (!lease) return;
    lease.expiresAt = expiresAt;
    await this.#save();
  }

  /** Drops a run's lease. */
  async release(runId: string): Promise<void> {
    const before = this.db.data.leases.length;
    this.db.data.leases = this.db.data.leases.filter((l) => l.runId !== runId);
    if (this.db.data.leases.length !== before) await this.#save();
  }

  /** Leases no live run of this daemon holds: made by an earlier boot, or past their expiry. */
  orphanedLeases(now: number): Lease[] {
    return this.db.data.leases.filter((l) => l.boot !== this.boot || l.expiresAt < now);
  }

  cardState(cardId: string): CardState | undefined {
    return this.db.data.cards[cardId];
  }

  /** Changes a card's retry state (created on first use). */
  async updateCard(cardId: string, change: Partial<CardState>): Promise<CardState> {
    const cards = this.db.data.cards;
    const next = { attempts: 0, lastError: null, nextAttemptAt: 0, blocked: false, reported: null, memo: {}, ...cards[cardId], ...change };
    cards[cardId] = next;
    const ids = Object.keys(cards);
    if (ids.length > LIMITS.cards) for (const id of ids.slice(0, ids.length - LIMITS.cards)) delete cards[id];
    this.serializer.changed('cards');
    await this.#save();
    return next;
  }

  /** Records a run, or updates it by id. */
  async recordRun(run: RunRecord): Promise<void> {
    const runs = this.db.data.runs;
    const at = runs.findIndex((r) => r.id === run.id);
    if (at === -1) runs.push(run);
    else runs[at] = run;
    trim(runs, LIMITS.runs);
    // The runtime updates its record in place as the run goes, and records it again.
    this.serializer.changed('runs', run);
    await this.#save();
  }

  async addEvent(event: CardEvent): Promise<void> {
    this.db.data.history.push(event);
    trim(this.db.data.history, LIMITS.history);
    this.serializer.changed('history');
    await this.#save();
  }

  /** Saves an A2A task (its JSON form); the oldest go past the cap. */
  async saveTask(id: string, json: unknown): Promise<void> {
    const tasks = this.db.data.a2aTasks;
    delete tasks[id];
    tasks[id] = json;
    const ids = Object.keys(tasks);
    if (ids.length > LIMITS.a2aTasks) for (const old of ids.slice(0, ids.length - LIMITS.a2aTasks)) delete tasks[old];
    this.serializer.changed('a2aTasks', json as object);
    await this.#save();
  }

  /** Adds a provider call to the ledger and to the day's totals. */
  async addUsage(entry: UsageEntry): Promise<void> {
    addToLedger(this.db.data, entry);
    this.serializer.changed('ledger');
    await this.#save();
  }

  /** Folds in the spend that commands beside the daemon wrote to the usage journal. */
  async absorbUsageJournal(): Promise<number> {
    const journal = takeJournal(this.path);
    if (journal.entries.length > 0) {
      for (const entry of journal.entries) addToLedger(this.db.data, entry);
      this.serializer.changed('ledger');
      await this.#save();
    }
    journal.done();
    return journal.entries.length;
  }
}

/** The stored state read without opening it for writing (the CLI beside a running daemon); empty when absent. */
export function readState(path: string): State {
  const state = existsSync(path) ? parseState(path) : emptyState();
  // Spend from commands beside the daemon that it has not folded in yet.
  for (const entry of [...readJournal(`${journalPath(path)}.taking`), ...readJournal(journalPath(path))]) addToLedger(state, entry);
  return state;
}

function parseState(path: string): State {
  const parsed = StateSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw Object.assign(new Error(`${path}: not a valid state file: ${parsed.error.issues[0]?.message}`), { code: 'INVALID_STATE' });
  return parsed.data;
}

function addToLedger(state: State, entry: UsageEntry): void {
  state.ledger.push(entry);
  trim(state.ledger, LIMITS.ledger);
  const day = new Date(entry.at).toISOString().slice(0, 10);
  const totals = (state.costByDay[day] ??= { usd: 0, inputTokens: 0, outputTokens: 0, calls: 0 });
  totals.usd += entry.costUsd;
  totals.inputTokens += entry.inputTokens;
  totals.outputTokens += entry.outputTokens;
  totals.calls += 1;
}

function trim<T>(list: T[], limit: number): void {
  if (list.length > limit) list.splice(0, list.length - limit);
}

/** A short unique id for a run: time-sortable, then random. */
export function newRunId(now = Date.now()): string {
  return `${now.toString(36)}-${randomBytes(3).toString('hex')}`;
}
