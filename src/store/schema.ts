import { z } from 'zod';

/** A claim on a card: who runs it, until when (renewed while the run lives), and which daemon boot made it. */
export const LeaseSchema = z.object({
  cardId: z.string(),
  title: z.string(),
  agent: z.string(),
  runId: z.string(),
  /** The column the run holds the card in: In Progress for a run, Review for a check. */
  column: z.string(),
  boot: z.string(),
  acquiredAt: z.number(),
  expiresAt: z.number(),
});
/** A live claim on a card. */
export type Lease = z.infer<typeof LeaseSchema>;

/** What the daemon remembers about a card between runs. */
export const CardStateSchema = z.object({
  attempts: z.number().int().min(0),
  lastError: z.string().nullable(),
  nextAttemptAt: z.number(),
  /** Set when the daemon blocked the card: a human moving it back to Backlog resets the attempts. */
  blocked: z.boolean(),
  /** A dependency problem already reported on the card, so it is written once. */
  reported: z.string().nullable().default(null),
  /** What a backend must remember about the card's run across a restart (a peer's message id). */
  memo: z.record(z.string(), z.string()).default({}),
});
/** The retry state of one card. */
export type CardState = z.infer<typeof CardStateSchema>;

/** How a run ended. */
export const OUTCOMES = ['done', 'review', 'blocked', 'backlog', 'cancelled', 'interrupted', 'dropped'] as const;

/** One run of one card by one agent. */
export const RunRecordSchema = z.object({
  id: z.string(),
  cardId: z.string(),
  title: z.string(),
  agent: z.string(),
  backend: z.string(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  attempts: z.number().int(),
  outcome: z.enum(OUTCOMES).nullable(),
  summary: z.string().nullable(),
  error: z.string().nullable(),
  log: z.string(),
});
/** A run as recorded. */
export type RunRecord = z.infer<typeof RunRecordSchema>;

/** Something that happened to a card, for standups and reports. */
export const CardEventSchema = z.object({
  at: z.number(),
  cardId: z.string(),
  title: z.string(),
  kind: z.enum(['claimed', 'done', 'review', 'blocked', 'retry', 'cancelled', 'returned', 'verified', 'rejected', 'waiting']),
  agent: z.string().nullable(),
  detail: z.string().nullable(),
});
/** One event in a card's history. */
export type CardEvent = z.infer<typeof CardEventSchema>;

/** One provider call's usage and cost. */
export const UsageEntrySchema = z.object({
  at: z.number(),
  runId: z.string(),
  agent: z.string(),
  provider: z.string(),
  model: z.string(),
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  costUsd: z.number().min(0),
});
/** A ledger line. */
export type UsageEntry = z.infer<typeof UsageEntrySchema>;

const Totals = z.object({ usd: z.number(), inputTokens: z.number(), outputTokens: z.number(), calls: z.number() });

/** `.quimbot/state.json`: what the Markdown board cannot hold. Lists are capped; totals are kept whole. */
export const StateSchema = z.object({
  version: z.literal(1),
  leases: z.array(LeaseSchema),
  cards: z.record(z.string(), CardStateSchema),
  runs: z.array(RunRecordSchema),
  history: z.array(CardEventSchema),
  ledger: z.array(UsageEntrySchema),
  /** Cost totals by day (YYYY-MM-DD, UTC), kept after ledger lines are trimmed. */
  costByDay: z.record(z.string(), Totals),
  /** A2A tasks by id, in their JSON wire form (the protocol SDK validates them on load). */
  a2aTasks: z.record(z.string(), z.unknown()).default({}),
  /** The number of the last journal change this file holds (the journal beside it has the later ones). */
  seq: z.number().int().min(0).default(0),
});
/** The whole stored state. */
export type State = z.infer<typeof StateSchema>;

/** A new, empty state. */
export function emptyState(): State {
  return { version: 1, leases: [], cards: {}, runs: [], history: [], ledger: [], costByDay: {}, a2aTasks: {}, seq: 0 };
}
