import { mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../board/index.ts';
import { auditCharts, auditFiles, auditMarkdown, AuditReport } from '../../pipeline/index.ts';
import { describeIssues } from '../run.ts';
import { ToolError } from '../errors.ts';
import { defineTool } from '../tool.ts';
import { rowProgress } from './progress.ts';

/** `data report`: an audit as Markdown with SVG charts beside it, readable on GitHub. */
export const dataReport = defineTool({
  name: 'data_report',
  command: ['data', 'report'],
  title: 'Write an audit report with charts',
  description:
    'Audits the files (or reads a saved `data audit --json` with --from-json) and writes a Markdown report with SVG charts beside it in ' +
    'NAME.charts/: lengths per role, messages and tokens per row, weights, source mix, the metadata field.',
  positionals: ['files'],
  input: z.object({
    files: z.array(z.string().min(1)).default([]).describe('JSONL files to audit'),
    out: z.string().min(1).describe('the report, e.g. reports/training_quality_audit.md'),
    fromJson: z.string().optional().describe('render a saved audit (`quimbot data audit … --json > audit.json`) instead of auditing'),
    near: z.boolean().default(true).describe('near-duplicate pass (MinHash)'),
    field: z.string().default('difficulty').describe('metadata field whose values to chart'),
    model: z.string().default('gpt-4o-mini').describe('fine-tuning model for context limit and cost'),
  }),
  output: z.object({ report: z.string(), charts: z.array(z.string()), rows: z.number().int() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async run(input, context) {
    let audit: AuditReport;
    if (input.fromJson) {
      const path = context.resolvePath(input.fromJson);
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(path, 'utf8'));
      } catch (error) {
        throw new ToolError('INVALID_ARGUMENT', `${input.fromJson}: not a readable JSON audit (${(error as Error).message})`);
      }
      const parsed = AuditReport.safeParse(raw);
      if (!parsed.success) throw new ToolError('INVALID_ARGUMENT', `${input.fromJson}: not an audit from \`data audit --json\`: ${describeIssues(parsed.error)}`);
      audit = parsed.data;
    } else {
      if (input.files.length === 0) throw new ToolError('INVALID_ARGUMENT', 'give FILE… to audit, or --from-json AUDIT.json');
      audit = await auditFiles(input.files.map(context.resolvePath), {
        near: input.near,
        field: input.field,
        model: input.model,
        names: input.files,
        signal: context.signal,
        onProgress: rowProgress(context),
      });
    }
    const out = context.resolvePath(input.out);
    const chartsDir = `${basename(out).replace(/\.md$/i, '')}.charts`;
    mkdirSync(join(dirname(out), chartsDir), { recursive: true });
    const charts = auditCharts(audit);
    for (const chart of charts) writeFileAtomic(join(dirname(out), chartsDir, chart.file), chart.svg);
    writeFileAtomic(out, auditMarkdown(audit, charts.map((c) => ({ title: c.title, path: `${chartsDir}/${c.file}` }))));
    return { report: input.out, charts: charts.map((c) => join(dirname(input.out), chartsDir, c.file)), rows: audit.rows };
  },
  summarize: (o) => `report of ${o.rows.toLocaleString('en-US')} rows written to ${o.report} with ${o.charts.length} charts`,
});
