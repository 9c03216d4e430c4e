import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { addToLedger, applyChange } from './changes.ts';
import type { Change } from './changes.ts';
import { changesPath, foldingPath, Journal, journalChanges, readJournals } from './journal.ts';
import { emptyState, StateSchema } from './schema.ts';
import { StateSerializer } from './serialize.ts';
import { StateFile } from './state-file.ts';
import type { CardEvent, CardState, Lease, RunRecord, State, UsageEntry } from './schema.ts';
import { journalPath, readJournal, takeJournal } from './usage-journal.ts';

/** A stored state that could not be read: it is set aside, never overwritten, and the daemon starts fresh. */
export interface StoreWarning {
  message: string;
  keptAs: string;
}

/** The journal is folded into the state file once it is larger than the file (and than this). */
const COMPACT_BYTES = 1 << 20;

/** The changes waiting for the next journal write, and the callers waiting for it. */
interface Batch {
  lines: string[];
  written: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The daemon's state in `.quimbot/state.json` (lowdb; written to a temp file that is renamed
 * over the old one) and its journal beside it: each change is applied in memory and appended
 * to the journal, and the journal is folded into the state file once it has grown as large.
 * Holds leases, retry state, runs, history and the cost ledger; the board stays the source of
 * truth for where cards are.
 */
export class Store {
  /** The changes made while a journal write is under way: they share the next one. */
  #batch: Batch | null = null;
  #writing: Promise<void> | null = null;
  /** The journal being folded into the state file, while changes go to a new one. */
  #folding: Promise<void> | null = null;
  /** The number of the last change made (the state file records the last it holds). */
  #seq: number;
  #compactAt = COMPACT_BYTES;
  /** A failed journal write lost lines: the next write is the whole state. */
  #mustCompact = false;
  #closed = false;
  /** The cards whose state says they are blocked, once asked for (see `blockedCards`). */
  #blocked: Set<string> | null = null;

  private constructor(
    private readonly db: Low<State>,
    private readonly serializer: StateSerializer,
    private readonly path: string,
    private readonly journal: Journal,
    seq: number,
    /** This daemon's boot: leases from other boots belong to a process that is gone. */
    readonly boot: string,
  ) {
    this.#seq = seq;
  }

  /** Opens (or creates) the state file and applies its journal. An unreadable one is renamed aside and reported. */
  static async open(path: string, onWarning: (warning: StoreWarning) => void = () => {}): Promise<Store> {
    mkdirSync(dirname(path), { recursive: true });
    const serializer = new StateSerializer();
    const db = new Low<State>(new StateFile(path, serializer), emptyState());
    const journals = { current: changesPath(path), folding: foldingPath(path) };
    const setAside = (file: string, why: string) => {
      if (!existsSync(file)) return;
      const keptAs = `${file}.corrupt-${Date.now()}`;
      renameSync(file, keptAs);
      onWarning({ message: `${file}: ${why}; kept as ${keptAs}, starting fresh`, keptAs });
    };
    const texts = readJournals(path);
    try {
      await db.read();
    } catch (error) {
      setAside(path, `not a valid state file (${(error as Error).message.split('\n')[0]})`);
      db.data = emptyState();
      // Their changes belong to the state set aside.
      setAside(journals.folding, 'the journal of a state file that could not be read');
      setAside(journals.current, 'the journal of a state file that could not be read');
      texts.current = texts.folding = '';
    }
    const { changes, last, bad } = journalChanges(texts, db.data.seq);
    for (const change of changes) applyChange(db.data, change);
    if (bad !== null) {
      setAside(journals[bad.journal], `line ${bad.line} is not a state change; the changes before it were kept`);
      // The current journal's changes come after the ones lost.
      if (bad.journal === 'folding') setAside(journals.current, 'its changes follow a journal that could not be read');
    }
    const store = new Store(db, serializer, path, Journal.open(path), last, randomBytes(6).toString('hex'));
    // The state file holds all of it from here, and the journal starts empty.
    await store.#write(() => store.#compact());
    await store.absorbUsageJournal();
    return store;
  }

  /** Makes a change in memory and journals it; resolves once it is written (with every change made meanwhile). */
  #record(change: Change): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`${this.path}: the state is closed`));
    applyChange(this.db.data, change);
    this.#changed(change);
    const batch = (this.#batch ??= newBatch());
    batch.lines.push(JSON.stringify({ n: ++this.#seq, ...change }));
    if (!this.#writing) this.#writing = this.#drain();
    return batch.written;
  }

  /** The serializer's kept JSON of what a change touched is stale now. */
  #changed(change: Change): void {
    if (change.kind === 'card') {
      this.serializer.changed('cards');
      if (change.state.blocked) this.#blocked?.add(change.id);
      else this.#blocked?.delete(change.id);
    }
    else if (change.kind === 'run') this.serializer.changed('runs', change.run);
    else if (change.kind === 'event') this.serializer.changed('history');
    else if (change.kind === 'usage') this.serializer.changed('ledger');
    else if (change.kind === 'task') this.serializer.changed('a2aTasks', change.json as object);
  }

  /**
   * Writes batches until none is waiting: a line each change. A journal grown large is folded
   * into the state file meanwhile (`#fold`); after a failed write, the whole state is written first.
   */
  async #drain(): Promise<void> {
    // Started on the next turn of the event loop: the changes made in this one (a claim's lease
    // and event, the leases of a pass's claims) share the first write too.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.#batch) {
        const batch = this.#batch;
        this.#batch = null;
        try {
          if (this.#mustCompact) {
            await this.#compact();
          } else {
            this.journal.append(`${batch.lines.join('\n')}\n`);
            if (this.journal.size >= this.#compactAt) this.#folding ??= this.#fold();
          }
          batch.resolve();
        } catch (error) {
          this.#mustCompact = true;
          batch.reject(error);
        }
        for (const listener of this.#listeners) listener();
      }
    } finally {
      this.#writing = null;
    }
  }

  /** Runs `write` once no journal write is under way. */
  async #write(write: () => Promise<void>): Promise<void> {
    await this.flush();
    this.#writing = write().finally(() => (this.#writing = null));
    await this.#writing;
    if (this.#batch && !this.#writing) this.#writing = this.#drain();
  }

  /**
   * Folds the journal into the state file without holding up the changes made meanwhile: the
   * journal is set aside and a new one takes them, the whole state is written with the number of
   * its last change, then the journal set aside is dropped. Writing a state of a few megabytes
   * took up to 0.1 s, and every claim and task update waited for it. A fold that fails leaves
   * both journals to be read at the next start; the next write is then the whole state.
   */
  async #fold(): Promise<void> {
    try {
      this.journal.rotate();
      // The state file takes the state as `write` is called: it holds the state as of this
      // change's number, not changes made while it is written (they are in the new journal).
      await this.#writeState();
      this.journal.dropFolded();
    } catch {
      this.#mustCompact = true;
    } finally {
      this.#folding = null;
    }
  }

  /**
   * Writes the whole state, then empties the journals. Changes made meanwhile wait for the next
   * batch: emptying the journal must not lose them.
   */
  async #compact(): Promise<void> {
    await this.#folding;
    await this.#writeState();
    this.journal.truncate();
    this.#mustCompact = false;
  }

  /** The whole state, numbered with its last change, in the state file. */
  async #writeState(): Promise<void> {
    this.db.data.seq = this.#seq;
    await this.db.write();
    this.#compactAt = Math.max(COMPACT_BYTES, this.serializer.lastLength);
  }

  /** Resolves once every change made so far is written (or its write has failed): a stopping daemon waits for it. */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing.catch(() => {});
  }

  /** Writes everything into the state file and closes the journal; the store takes no more changes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#write(() => this.#compact());
    this.#closed = true;
    await this.flush();
    this.journal.close();
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

  /**
   * Takes a lease on a card unless someone holds a live one; false when taken. `card` changes
   * the card's state in the same write (a run's first attempt, counted with its claim).
   */
  async claim(lease: Omit<Lease, 'boot'>, card?: Partial<CardState>): Promise<boolean> {
    const live = this.db.data.leases.find((l) => l.cardId === lease.cardId);
    if (live) return false;
    await Promise.all([this.#record({ kind: 'lease', lease: { ...lease, boot: this.boot } }), card && this.updateCard(lease.cardId, card)]);
    return true;
  }

  /** Pushes a run's lease expiry forward. */
  async renew(runId: string, expiresAt: number): Promise<void> {
    const lease = this.db.data.leases.find((l) => l.runId === runId);
    if (!lease) return;
    await this.#record({ kind: 'lease', lease: { ...lease, expiresAt } });
  }

  /** Drops a run's lease. */
  async release(runId: string): Promise<void> {
    if (this.db.data.leases.some((l) => l.runId === runId)) await this.#record({ kind: 'release', runId });
  }

  /** Leases no live run of this daemon holds: made by an earlier boot, or past their expiry. */
  orphanedLeases(now: number): Lease[] {
    return this.db.data.leases.filter((l) => l.boot !== this.boot || l.expiresAt < now);
  }

  cardState(cardId: string): CardState | undefined {
    return this.db.data.cards[cardId];
  }

  /**
   * The ids of the cards whose state says the daemon blocked them (an id may stay after its state
   * left for the cap: check `cardState`). Kept as changes are made, so a scheduling pass need not
   * look up every Backlog card's state to find the few a person moved back.
   */
  blockedCards(): ReadonlySet<string> {
    this.#blocked ??= new Set(Object.keys(this.db.data.cards).filter((id) => this.db.data.cards[id]!.blocked));
    return this.#blocked;
  }

  /** Changes a card's retry state (created on first use). */
  async updateCard(cardId: string, change: Partial<CardState>): Promise<CardState> {
    const next = { attempts: 0, lastError: null, nextAttemptAt: 0, blocked: false, reported: null, memo: {}, ...this.db.data.cards[cardId], ...change };
    await this.#record({ kind: 'card', id: cardId, state: next });
    return next;
  }

  /** Records a run, or updates it by id. */
  async recordRun(run: RunRecord): Promise<void> {
    // The runtime updates its record in place as the run goes, and records it again.
    await this.#record({ kind: 'run', run });
  }

  async addEvent(event: CardEvent): Promise<void> {
    await this.#record({ kind: 'event', event });
  }

  /** Saves an A2A task (its JSON form); the oldest go past the cap. */
  async saveTask(id: string, json: unknown): Promise<void> {
    await this.#record({ kind: 'task', id, json });
  }

  /** Adds a provider call to the ledger and to the day's totals. */
  async addUsage(entry: UsageEntry): Promise<void> {
    await this.#record({ kind: 'usage', entry });
  }

  /** Folds in the spend that commands beside the daemon wrote to the usage journal. */
  async absorbUsageJournal(): Promise<number> {
    const journal = takeJournal(this.path);
    await Promise.all(journal.entries.map((entry) => this.#record({ kind: 'usage', entry })));
    journal.done();
    return journal.entries.length;
  }
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const written = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  // A write nobody awaits (a renewal) must not fail the process; awaited ones still see the error.
  written.catch(() => {});
  return { lines: [], written, resolve, reject };
}

/** The stored state read without opening it for writing (the CLI beside a running daemon): the file and its journals; empty when absent. */
export function readState(path: string): State {
  const journals = readJournals(path);
  const state = existsSync(path) ? parseState(path) : emptyState();
  for (const change of journalChanges(journals, state.seq).changes) applyChange(state, change);
  // Spend from commands beside the daemon that it has not folded in yet.
  for (const entry of [...readJournal(`${journalPath(path)}.taking`), ...readJournal(journalPath(path))]) addToLedger(state, entry);
  return state;
}

function parseState(path: string): State {
  const parsed = StateSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw Object.assign(new Error(`${path}: not a valid state file: ${parsed.error.issues[0]?.message}`), { code: 'INVALID_STATE' });
  return parsed.data;
}

/** A short unique id for a run: time-sortable, then random. */
export function newRunId(now = Date.now()): string {
  return `${now.toString(36)}-${randomBytes(3).toString('hex')}`;
}
