import { COLUMN_TITLES } from '../board/index.ts';
import type { Board } from '../board/index.ts';
import type { State } from '../store/index.ts';
import { bold } from './compose.ts';

/** A pipeline output found in a manifest: the file, its rows, and which manifest said so. */
export interface ManifestOutput {
  manifest: string;
  path: string;
  rows: number | null;
}

/** What the weekly summary is made from. */
export interface WeekInput {
  board: Board;
  state: Readonly<State>;
  from: number;
  to: number;
  team: ReadonlyArray<{ name: string; role?: string }>;
  outputs: readonly ManifestOutput[];
}

const ROLE_TITLES: Record<string, string> = { lead: 'Lead', quality: 'Quality', execution: 'Execution' };

/**
 * A status summary in the shape of the team's weekly report (WEEK2_STATUS_SUMMARY): completed
 * work with outputs, work in progress, known issues, pipeline outputs with counts, per-agent
 * work and cost, and next steps, from the run history, the board and the pipeline manifests.
 */
export function composeWeek(input: WeekInput): string {
  const { board, state, from, to } = input;
  const inWeek = <T extends { at: number }>(items: readonly T[]) => items.filter((i) => i.at >= from && i.at <= to);
  const runs = state.runs.filter((r) => r.startedAt >= from && r.startedAt <= to);
  const finished = runs.filter((r) => r.outcome === 'done' || r.outcome === 'review');
  const cards = (kind: keyof typeof COLUMN_TITLES) => board.cards.filter((c) => c.column === kind);
  const ledger = inWeek(state.ledger);
  const usd = (n: number) => `$${n.toFixed(2)}`;
  const day = (at: number) => new Date(at).toISOString().slice(0, 10);
  const longDate = new Date(to).toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });

  const lines = [
    `# Week Status Summary (${longDate})`,
    '',
    `**Period:** ${day(from)} → ${day(to)}`,
    `**Status:** ${finished.length} runs finished, ${cards('in_progress').length} cards in progress, ${cards('blocked').length} blocked`,
    `**Team:** ${input.team.map((a) => (a.role ? `${a.name} (${ROLE_TITLES[a.role] ?? a.role})` : a.name)).join(', ') || 'no runs yet'}`,
    '',
    '---',
    '',
    '## ✅ COMPLETED WORK',
    '',
  ];
  if (finished.length === 0) lines.push('- nothing finished this week', '');
  for (const run of finished) {
    lines.push(
      `### ${run.title} (${run.agent})`,
      `- **Status:** ${run.outcome === 'done' ? '✅ COMPLETE' : '👀 IN REVIEW'}`,
      `- **Output:** ${run.summary ?? '(no summary)'}`,
      `- **Attempts:** ${run.attempts}`,
      `- **Log:** \`${run.log}\``,
      '',
    );
  }
  lines.push('## 🔄 IN PROGRESS', '');
  lines.push(...listOr(cards('in_progress').map((c) => `- ${bold(c.title)}${c.owner ? ` — ${c.owner}` : ''}`), 'nothing in progress'), '');
  lines.push('## ⚠️ KNOWN ISSUES', '');
  lines.push(...listOr(cards('blocked').map((c) => `- ${bold(c.title)}: ${c.blockedReason ?? 'blocked'}`), 'nothing blocked'), '');
  lines.push('---', '', '## 📦 PIPELINE OUTPUTS', '');
  lines.push(
    ...listOr(
      input.outputs.map((o) => `- \`${o.path}\`${o.rows !== null ? ` — ${o.rows.toLocaleString('en-US')} rows` : ''} (manifest \`${o.manifest}\`)`),
      'no pipeline manifests found',
    ),
    '',
  );
  lines.push('## 📊 METRICS', '', '### Per agent', '', '| agent | finished | blocked | cancelled | provider calls | cost |', '| --- | ---: | ---: | ---: | ---: | ---: |');
  // Spend from commands run by hand (`quimbot gen run` in a terminal, an MCP client) has its own row.
  const others = [...new Set(ledger.map((l) => l.agent))].filter((name) => !input.team.some((a) => a.name === name)).map((name) => ({ name }));
  for (const agent of [...input.team, ...others]) {
    const mine = runs.filter((r) => r.agent === agent.name);
    const spent = ledger.filter((l) => l.agent === agent.name);
    lines.push(
      `| ${agent.name} | ${mine.filter((r) => r.outcome === 'done' || r.outcome === 'review').length} | ${mine.filter((r) => r.outcome === 'blocked').length} | ${mine.filter((r) => r.outcome === 'cancelled').length} | ${spent.length} | ${usd(spent.reduce((s, l) => s + l.costUsd, 0))} |`,
    );
  }
  const byModel = new Map<string, { usd: number; tokens: number }>();
  for (const entry of ledger) {
    const m = byModel.get(entry.model) ?? { usd: 0, tokens: 0 };
    m.usd += entry.costUsd;
    m.tokens += entry.inputTokens + entry.outputTokens;
    byModel.set(entry.model, m);
  }
  lines.push('', '### Cost', '', `- **Total this week:** ${usd(ledger.reduce((s, l) => s + l.costUsd, 0))}`);
  for (const [model, m] of byModel) lines.push(`- ${model}: ${usd(m.usd)} (${m.tokens.toLocaleString('en-US')} tokens)`);
  lines.push('', '---', '', '## ➡️ NEXT STEPS', '');
  lines.push(...listOr(cards('backlog').slice(0, 10).map((c, i) => `${i + 1}. ${c.title}${c.owner ? ` — ${c.owner}` : ''}`), 'the backlog is empty'), '');
  return lines.join('\n');
}

function listOr(lines: string[], empty: string): string[] {
  return lines.length ? lines : [`- ${empty}`];
}
