import { z } from 'zod';
import { AuditReport, auditFiles, auditMarkdown, imagesByUrlNote } from '../../pipeline/index.ts';
import { writeFileAtomic } from '../../board/index.ts';
import { defineTool } from '../tool.ts';
import { rowProgress } from './progress.ts';

/** `data audit`: exact counts of everything that can be wrong with chat JSONL, in one pass. */
export const dataAudit = defineTool({
  name: 'data_audit',
  command: ['data', 'audit'],
  title: 'Audit JSONL datasets',
  description:
    'One streaming pass over chat JSONL files (OpenAI, Unsloth, ShareGPT, Alpaca; .jsonl.gz too): parse and format errors, ' +
    'empty assistant turns, role alternation, exact and near duplicates, PII, final punctuation, weights, lengths, tokens and fine-tune cost.',
  positionals: ['files'],
  input: z.object({
    files: z.array(z.string().min(1)).min(1).describe('JSONL files'),
    report: z.string().optional().describe('also write the audit as Markdown to this file'),
    near: z.boolean().default(true).describe('near-duplicate pass (MinHash)'),
    threshold: z.number().gt(0).max(1).default(0.8).describe('near-duplicate Jaccard threshold, above 0 and at most 1'),
    field: z.string().default('difficulty').describe('metadata field whose values to count'),
    model: z.string().default('gpt-4o-mini').describe('fine-tuning model for context limit and cost'),
    epochs: z.number().int().positive().default(3).describe('epochs for the cost estimate'),
    price: z.number().positive().optional().describe("US$ per million training tokens (default: the model's, or the config's fineTune price)"),
    weightMin: z.number().default(0).describe('lowest allowed weight'),
    weightMax: z.number().default(1).describe('highest allowed weight'),
  }),
  output: AuditReport,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  usesFineTuneModels: true,
  async run(input, context) {
    const report = await auditFiles(input.files.map(context.resolvePath), {
      near: input.near,
      nearThreshold: input.threshold,
      field: input.field,
      model: input.model,
      epochs: input.epochs,
      ...(input.price !== undefined ? { pricePerMillion: input.price } : {}),
      ...(context.fineTuneModels ? { models: context.fineTuneModels } : {}),
      weightRange: [input.weightMin, input.weightMax],
      names: input.files,
      signal: context.signal,
      onProgress: rowProgress(context),
    });
    if (input.report) writeFileAtomic(context.resolvePath(input.report), auditMarkdown(report));
    return report;
  },
  summarize(report) {
    const c = report.counts;
    const line = (label: string, n: { count: number; lines: Array<{ source: string; line: number }> }) =>
      `  ${label.padEnd(28)} ${String(n.count).padStart(9)}${n.lines[0] ? `   first: ${n.lines[0].source}:${n.lines[0].line}` : ''}`;
    return [
      `${report.rows.toLocaleString('en-US')} rows in ${report.sources.length} file(s), ${report.elapsed_ms} ms`,
      line('parse errors', c.parse_errors),
      line('empty assistant', c.empty_assistant_rows),
      line('alternation violations', c.alternation_violation_rows),
      line('exact duplicates', c.exact_duplicate_rows),
      line('near duplicates', c.near_duplicate_rows),
      line('rows with email', c.rows_with_email),
      line('rows with phone', c.rows_with_phone),
      line('rows with IP', c.rows_with_ip),
      line('no final punctuation', c.no_final_punct_rows),
      line('weight out of range', c.weight_out_of_range_rows),
      line('over context limit', c.over_context_rows),
      `  tokens ${report.tokens.total.toLocaleString('en-US')} (${report.tokens.encoding}); fine-tune ${report.tokens.model} x${report.tokens.epochs}: ~$${report.tokens.estimated_cost_usd.toFixed(2)}`,
      ...(report.tokens.images_by_url > 0 ? [`  ${imagesByUrlNote(report.tokens.images_by_url)}`] : []),
    ].join('\n');
  },
});
