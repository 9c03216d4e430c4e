import { barChart, histogramBars } from '../charts.ts';
import type { AuditReport } from './report.ts';

/** One chart of an audit: its file name and SVG text. */
export interface AuditChart {
  file: string;
  title: string;
  svg: string;
}

/** The audit's charts: lengths per role, turns, tokens per row, weights, source mix, the metadata field. */
export function auditCharts(report: AuditReport): AuditChart[] {
  const charts: AuditChart[] = [];
  const add = (file: string, title: string, svg: string) => charts.push({ file, title, svg });
  for (const [role, stats] of Object.entries(report.lengths.words)) {
    add(`words-${safe(role)}.svg`, `Words per ${role} message`, barChart(`Words per ${role} message (${stats.count.toLocaleString('en-US')} messages)`, histogramBars(stats.histogram)));
  }
  for (const [role, stats] of Object.entries(report.lengths.tokens)) {
    add(`tokens-${safe(role)}.svg`, `Tokens per ${role} message`, barChart(`Tokens per ${role} message (${report.tokens.encoding})`, histogramBars(stats.histogram)));
  }
  add('turns.svg', 'Messages per row', barChart('Messages per row', histogramBars(report.lengths.turns.histogram)));
  add('row-tokens.svg', 'Tokens per row', barChart(`Tokens per row (context limit ${report.tokens.context_limit.toLocaleString('en-US')})`, histogramBars(report.lengths.row_tokens.histogram)));
  add('weights.svg', 'Weight distribution', barChart(`Weights (${report.weights.rows_with_weight.toLocaleString('en-US')} rows with a weight)`, report.weights.distribution.map((d) => ({ label: d.value, value: d.count }))));
  add('sources.svg', 'Source mix', barChart('Rows per source', report.sources.map((s) => ({ label: s.path.split('/').at(-1) ?? s.path, value: s.rows }))));
  add(`field-${safe(report.field.name)}.svg`, `${report.field.name} distribution`, barChart(`${report.field.name} (${report.field.rows_with_field.toLocaleString('en-US')} rows)`, report.field.distribution.map((d) => ({ label: d.value, value: d.count }))));
  return charts;
}

function safe(name: string): string {
  return name.replace(/[^\w-]+/g, '_') || 'none';
}
