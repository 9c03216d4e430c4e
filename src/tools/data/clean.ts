import { z } from 'zod';
import { auditFiles, CLEAN_RULES, cleanFiles, DEFAULT_DROP, parseRules } from '../../pipeline/index.ts';
import type { AuditReport } from '../../pipeline/index.ts';
import { defineTool } from '../tool.ts';
import { rowProgress } from './progress.ts';
import { OutputFile } from './schemas.ts';

const KEY_COUNTS = ['parse_errors', 'empty_assistant_rows', 'alternation_violation_rows', 'exact_duplicate_rows', 'rows_with_email', 'rows_with_phone', 'rows_with_ip', 'no_final_punct_rows', 'weight_out_of_range_rows'] as const;
const AuditCounts = z.object({ rows: z.number().int(), counts: z.record(z.string(), z.number().int()) });

const Output = z.object({
  drop: z.array(z.enum(CLEAN_RULES)),
  sources: z.array(z.object({ path: z.string(), sha256: z.string(), lines: z.number().int(), blank: z.number().int(), rows: z.number().int(), kept: z.number().int(), dropped: z.number().int() })),
  output: OutputFile,
  dropped_by_rule: z.record(z.string(), z.number().int()),
  dropped_rows: z.number().int(),
  before: AuditCounts,
  after: AuditCounts,
  manifest: z.string(),
});

/** `data clean`: sources concatenated, rows dropped by named rules, a manifest and a before/after audit. */
export const dataClean = defineTool({
  name: 'data_clean',
  command: ['data', 'clean'],
  title: 'Clean and concatenate JSONL datasets',
  description:
    `Concatenates the inputs into OUT, dropping rows by rule (${CLEAN_RULES.join(', ')}; default ${DEFAULT_DROP.join(', ')}), and writes ` +
    'OUT.manifest.json with every dropped row (source, line, reasons), input and output sha256, and the audit counts before and after.',
  positionals: ['inputs'],
  input: z.object({
    inputs: z.array(z.string().min(1)).min(1).describe('JSONL files, concatenated in this order'),
    out: z.string().min(1).describe('the cleaned JSONL file'),
    drop: z.array(z.string()).default([...DEFAULT_DROP]).describe(`rules, comma-separated: ${CLEAN_RULES.join(', ')}`),
    weightMin: z.number().default(0).describe('lowest allowed weight (rule weight)'),
    weightMax: z.number().default(1).describe('highest allowed weight (rule weight)'),
    model: z.string().default('gpt-4o-mini').describe('model whose context limit applies (rule over-context)'),
  }),
  output: Output,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  usesFineTuneModels: true,
  async run(input, context) {
    const drop = parseRules(input.drop);
    const models = context.fineTuneModels ? { models: context.fineTuneModels } : {};
    const inputs = input.inputs.map(context.resolvePath);
    const out = context.resolvePath(input.out);
    const auditOf = async (paths: string[], pass: string): Promise<z.infer<typeof AuditCounts>> => {
      const report: AuditReport = await auditFiles(paths, { near: false, signal: context.signal, model: input.model, ...models, onProgress: rowProgress(context, pass) });
      return { rows: report.rows, counts: Object.fromEntries(KEY_COUNTS.map((name) => [name, report.counts[name].count])) };
    };
    const before = await auditOf(inputs, 'auditing the inputs');
    const manifest = `${input.out}.manifest.json`;
    // The after-audit reads OUT before it is renamed into place, and the manifest is committed
    // with it: a Ctrl-C at any point before leaves the previous OUT and manifest, none after is seen.
    let summary: z.infer<typeof Output> | undefined;
    await cleanFiles(inputs, {
      out,
      drop,
      weightRange: [input.weightMin, input.weightMax],
      model: input.model,
      ...models,
      names: input.inputs,
      signal: context.signal,
      onProgress: rowProgress(context, 'cleaning'),
      beforeCommit: async (result, staged) => {
        const after = await auditOf([staged], `auditing ${input.out}`);
        const { dropped, ...counts } = result;
        summary = { ...counts, output: { ...result.output, path: input.out }, dropped_rows: dropped.length, before, after, manifest };
        return [{ path: context.resolvePath(manifest), text: `${JSON.stringify({ ...summary, dropped }, null, 2)}\n` }];
      },
    });
    return summary!;
  },
  summarize(o) {
    const n = (x: number) => x.toLocaleString('en-US');
    const rules = Object.entries(o.dropped_by_rule).filter(([, c]) => c > 0).map(([r, c]) => `${r} ${n(c)}`);
    const changed = Object.keys(o.before.counts).filter((k) => o.before.counts[k] !== o.after.counts[k]);
    return [
      `${n(o.sources.reduce((s, x) => s + x.rows, 0))} rows in ${o.sources.length} file(s) -> ${n(o.output.rows)} kept in ${o.output.path}; dropped ${n(o.dropped_rows)}${rules.length ? ` (${rules.join(', ')})` : ''}`,
      ...o.sources.map((s) => `  ${s.path}: ${n(s.rows)} rows, kept ${n(s.kept)}, dropped ${n(s.dropped)}${s.blank ? `, ${n(s.blank)} blank lines left out` : ''}`),
      `  before -> after: ${changed.map((k) => `${k} ${n(o.before.counts[k]!)} -> ${n(o.after.counts[k]!)}`).join(', ') || 'no audit count changed'}`,
      `  manifest: ${o.manifest}`,
    ].join('\n');
  },
});
