import { z } from 'zod';
import { CardEventSchema, CardStateSchema, LeaseSchema, RunRecordSchema, UsageEntrySchema } from './schema.ts';
import type { State } from './schema.ts';

/** How many records each list keeps: the store must not grow over weeks of running. */
export const LIMITS = { runs: 1000, history: 5000, ledger: 10_000, cards: 10_000, a2aTasks: 2000 };

/**
 * One change of the state, as the store makes it and as its journal keeps it: the same
 * function (`applyChange`) makes it live and again when the journal is read back.
 */
export const ChangeSchema = z.discriminatedUnion('kind', [
  /** A lease taken or renewed (by run id). */
  z.object({ kind: z.literal('lease'), lease: LeaseSchema }),
  z.object({ kind: z.literal('release'), runId: z.string() }),
  /** A card's retry state, whole. */
  z.object({ kind: z.literal('card'), id: z.string(), state: CardStateSchema }),
  /** A run recorded, or recorded again (by id). */
  z.object({ kind: z.literal('run'), run: RunRecordSchema }),
  z.object({ kind: z.literal('event'), event: CardEventSchema }),
  z.object({ kind: z.literal('usage'), entry: UsageEntrySchema }),
  /** An A2A task's JSON form, whole. */
  z.object({ kind: z.literal('task'), id: z.string(), json: z.unknown() }),
]);
/** One change of the state. */
export type Change = z.infer<typeof ChangeSchema>;

/** A journal line: a change and its number (the state file says up to which number it holds them). */
export const JournalLineSchema = z.intersection(z.object({ n: z.number().int().min(1) }), ChangeSchema);

/** Makes a change to the state in place; lists and maps past their cap lose their oldest entries. */
export function applyChange(state: State, change: Change): void {
  switch (change.kind) {
    case 'lease': {
      const at = state.leases.findIndex((l) => l.runId === change.lease.runId);
      if (at === -1) state.leases.push(change.lease);
      else state.leases[at] = change.lease;
      return;
    }
    case 'release':
      state.leases = state.leases.filter((l) => l.runId !== change.runId);
      return;
    case 'card':
      setCapped(state.cards, change.id, change.state, LIMITS.cards);
      return;
    case 'run': {
      const runs = state.runs;
      // The run recorded again is nearly always one of the newest.
      let at = runs.length - 1;
      while (at >= 0 && runs[at]!.id !== change.run.id) at--;
      if (at === -1) runs.push(change.run);
      else runs[at] = change.run;
      trim(runs, LIMITS.runs);
      return;
    }
    case 'event':
      state.history.push(change.event);
      trim(state.history, LIMITS.history);
      return;
    case 'usage':
      addToLedger(state, change.entry);
      return;
    case 'task':
      // The task saved last is last: the oldest go first past the cap.
      setCapped(state.a2aTasks, change.id, change.json, LIMITS.a2aTasks, true);
      return;
    default:
      return assertUnreachable(change);
  }
}

/** Adds a provider call to the ledger and to its day's totals. */
export function addToLedger(state: State, entry: z.infer<typeof UsageEntrySchema>): void {
  state.ledger.push(entry);
  trim(state.ledger, LIMITS.ledger);
  const day = new Date(entry.at).toISOString().slice(0, 10);
  const totals = (state.costByDay[day] ??= { usd: 0, inputTokens: 0, outputTokens: 0, calls: 0 });
  totals.usd += entry.costUsd;
  totals.inputTokens += entry.inputTokens;
  totals.outputTokens += entry.outputTokens;
  totals.calls += 1;
}

/**
 * Sets a key (last in the map's order when `last`); past the cap the oldest keys go. The maps'
 * keys are kept in their order beside them, not listed: a map of thousands, full, is set
 * hundreds of times a second, and listing a large object's keys sorts them each time.
 */
function setCapped(map: Record<string, unknown>, key: string, value: unknown, limit: number, last = false): void {
  let keys = orders.get(map);
  if (!keys) orders.set(map, (keys = new Set(Object.keys(map))));
  const known = keys.has(key);
  if (known && last) {
    delete map[key];
    keys.delete(key);
  }
  map[key] = value;
  keys.add(key);
  if (known) return;
  for (const old of keys) {
    if (keys.size <= limit) break;
    delete map[old];
    keys.delete(old);
  }
}

/** Each capped map's keys in the map's order, once listed. */
const orders = new WeakMap<object, Set<string>>();

/**
 * Drops a list's oldest entries past its cap. One past it (a change to a full list) goes with
 * shift, which V8 does without moving the rest: a splice moves all of them, 30 µs a change on a
 * list of 5,000. Many at once (a list read back longer than its cap) go with one splice.
 */
function trim<T>(list: T[], limit: number): void {
  if (list.length === limit + 1) list.shift();
  else if (list.length > limit) list.splice(0, list.length - limit);
}

function assertUnreachable(value: never): never {
  throw new Error(`unknown state change ${JSON.stringify(value)}`);
}
