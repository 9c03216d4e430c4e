import { imagesByUrlNote } from '../images.ts';
import type { AuditReport, CountName } from './report.ts';

const LABELS: Array<[CountName, string]> = [
  ['parse_errors', 'Parse errors (not JSON, or no message list)'],
  ['data_type', 'Format: row is not an object'],
  ['missing_messages_list', 'Format: missing messages list'],
  ['message_missing_key', 'Format: message missing role or content'],
  ['message_unrecognized_key', 'Format: message has an unrecognised key'],
  ['unrecognized_role', 'Format: unrecognised role'],
  ['missing_content', 'Format: missing content'],
  ['example_missing_assistant_message', 'Format: no assistant message'],
  ['empty_assistant_rows', 'Empty assistant message'],
  ['alternation_violation_rows', 'Role alternation violation'],
  ['exact_duplicate_rows', 'Exact duplicates (after the first)'],
  ['near_duplicate_rows', 'Near duplicates (after the first of a cluster)'],
  ['rows_with_email', 'Rows with an email address'],
  ['rows_with_phone', 'Rows with a phone number'],
  ['rows_with_ip', 'Rows with an IP address'],
  ['no_final_punct_rows', 'Assistant answer without final punctuation'],
  ['weight_out_of_range_rows', 'Weight outside the allowed range'],
  ['over_context_rows', "Longer than the model's context limit"],
  ['blank_lines', 'Blank lines'],
  ['invalid_utf8_lines', 'Lines that are not valid UTF-8'],
  ['truncated_lines', 'Truncated last line'],
];

const pct = (n: number, total: number) => (total ? `${((100 * n) / total).toFixed(1)}%` : '–');
const int = (n: number) => n.toLocaleString('en-US');

/** The audit as Markdown, readable on GitHub; `charts` are image paths to embed (from `data report`). */
export function auditMarkdown(report: AuditReport, charts: ReadonlyArray<{ title: string; path: string }> = []): string {
  const out: string[] = [];
  const files = report.sources.map((s) => `\`${s.path}\``).join(', ');
  out.push('# Dataset audit', '', `**Files:** ${files}  `, `**Rows:** ${int(report.rows)} (${int(report.lines)} lines)  `);
  out.push(`**Formats:** ${report.formats.map((f) => `${f.value} ${int(f.count)}`).join(', ') || 'none'}`, '');
  const critical = report.counts.parse_errors.count + report.counts.empty_assistant_rows.count + report.counts.alternation_violation_rows.count;
  out.push(critical === 0 ? '**Result:** no critical issues.' : `**Result:** ${int(critical)} rows need fixing before fine-tuning.`, '');

  out.push('## Findings', '', '| check | rows | share | first lines |', '| --- | ---: | ---: | --- |');
  for (const [name, label] of LABELS) {
    const count = report.counts[name];
    if (name === 'near_duplicate_rows' && report.near_duplicate_clusters === null) {
      out.push(`| ${label} | – | – | skipped (--no-near) |`);
      continue;
    }
    const lines = count.lines.slice(0, 5).map((p) => `${p.source}:${p.line}`).join(', ');
    out.push(`| ${label} | ${int(count.count)} | ${pct(count.count, report.rows)} | ${lines} |`);
  }
  out.push('');

  out.push('## Lengths', '', '| role | messages | mean words | max words | mean tokens | max tokens |', '| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [role, words] of Object.entries(report.lengths.words)) {
    const tokens = report.lengths.tokens[role];
    out.push(`| ${role} | ${int(words.count)} | ${words.mean.toFixed(0)} | ${int(words.max)} | ${(tokens?.mean ?? 0).toFixed(0)} | ${int(tokens?.max ?? 0)} |`);
  }
  out.push('', `Turns per row: mean ${report.lengths.turns.mean.toFixed(1)}, max ${report.lengths.turns.max}.`, '');

  if (report.weights.rows_with_weight > 0) {
    out.push('## Weights', '', `${int(report.weights.rows_with_weight)} rows carry a weight (allowed range ${report.weights.range[0]}–${report.weights.range[1]}).`, '');
    out.push('| weight | count | share |', '| ---: | ---: | ---: |');
    for (const row of report.weights.distribution.slice(0, 15)) out.push(`| ${row.value} | ${int(row.count)} | ${(100 * row.share).toFixed(1)}% |`);
    out.push('');
  }
  if (report.field.rows_with_field > 0) {
    out.push(`## ${report.field.name}`, '', '| value | rows | share |', '| --- | ---: | ---: |');
    for (const row of report.field.distribution.slice(0, 20)) out.push(`| ${row.value} | ${int(row.count)} | ${(100 * row.share).toFixed(1)}% |`);
    out.push('');
  }
  if (report.sources.length > 1) {
    out.push('## Sources', '', '| source | rows | parse errors | empty assistant | alternation | duplicates | PII rows |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const s of report.sources) {
      const pii = s.counts.rows_with_email.count + s.counts.rows_with_phone.count + s.counts.rows_with_ip.count;
      out.push(`| \`${s.path}\` | ${int(s.rows)} | ${int(s.counts.parse_errors.count)} | ${int(s.counts.empty_assistant_rows.count)} | ${int(s.counts.alternation_violation_rows.count)} | ${int(s.counts.exact_duplicate_rows.count)} | ${int(pii)} |`);
    }
    out.push('');
  }
  const t = report.tokens;
  out.push('## Tokens and cost', '', `${int(t.total)} tokens (${t.encoding}). Fine-tuning \`${t.model}\` for ${t.epochs} epochs bills ${int(t.billed_tokens)} tokens at $${t.price_per_million}/M: **about $${t.estimated_cost_usd.toFixed(2)}**.${t.images_by_url > 0 ? ` ${imagesByUrlNote(t.images_by_url)}.` : ''}`, '');
  if (report.duplicate_groups.length > 0) {
    out.push('## Largest duplicate groups', '', ...report.duplicate_groups.slice(0, 10).map((g) => `- ${int(g.count)} copies of ${g.lines[0]?.source}:${g.lines[0]?.line}`), '');
  }
  for (const chart of charts) out.push(`![${chart.title}](${chart.path})`, '');
  return out.join('\n');
}
