import type { RunRecord, State, UsageEntry } from '../../store/index.ts';

/** Provider calls, tokens and US$ added up. */
export interface Totals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  usd: number;
}

function total(entries: readonly UsageEntry[]): Totals {
  const sum: Totals = { calls: 0, inputTokens: 0, outputTokens: 0, usd: 0 };
  for (const e of entries) {
    sum.calls += 1;
    sum.inputTokens += e.inputTokens;
    sum.outputTokens += e.outputTokens;
    sum.usd += e.costUsd;
  }
  return sum;
}

/**
 * Cost per agent (from the ledger lines still kept) and per day (from the day totals, which
 * outlive trimmed ledger lines), newest day first.
 */
export function costView(state: Readonly<State>, days = 31) {
  const byAgent = new Map<string, UsageEntry[]>();
  for (const entry of state.ledger) {
    const entries = byAgent.get(entry.agent) ?? [];
    entries.push(entry);
    byAgent.set(entry.agent, entries);
  }
  return {
    total: total(state.ledger),
    ledgerLines: state.ledger.length,
    byAgent: [...byAgent].map(([agent, entries]) => ({ agent, ...total(entries) })).sort((a, b) => b.usd - a.usd || a.agent.localeCompare(b.agent)),
    byDay: Object.entries(state.costByDay)
      .sort(([a], [b]) => b.localeCompare(a))
      .slice(0, days)
      .map(([day, t]) => ({ day, ...t })),
  };
}

/** A run with its provider usage added up. */
function runSummary(run: RunRecord, ledger: readonly UsageEntry[]) {
  const { log: _path, ...record } = run;
  return { ...record, running: run.endedAt === null, usage: total(ledger.filter((e) => e.runId === run.id)) };
}

/** The runs of a card, newest first, and what happened to it (claims, retries, outcomes). */
export function cardRuns(state: Readonly<State>, cardId: string) {
  return {
    cardId,
    runs: state.runs
      .filter((r) => r.cardId === cardId)
      .reverse()
      .map((r) => runSummary(r, state.ledger)),
    history: state.history.filter((e) => e.cardId === cardId).slice(-50),
  };
}

/** One run with each provider call it made; null when the store does not know the run. */
export function runDetail(state: Readonly<State>, runId: string) {
  const run = state.runs.find((r) => r.id === runId);
  if (!run) return null;
  const calls = state.ledger.filter((e) => e.runId === runId);
  return { ...runSummary(run, state.ledger), calls: calls.slice(-200) };
}
