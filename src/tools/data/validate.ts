import { z } from 'zod';
import { VALIDATE_TARGETS, validateFile } from '../../pipeline/index.ts';
import { defineTool } from '../tool.ts';
import { rowProgress } from './progress.ts';

/** `data validate`: would the provider's fine-tuning accept this file, and if not, where not. */
export const dataValidate = defineTool({
  name: 'data_validate',
  command: ['data', 'validate'],
  title: 'Validate a fine-tuning file',
  description:
    "Checks a JSONL file against what --target's fine-tuning accepts (OpenAI: the cookbook's format checks as the API applies them, content parts " +
    "and calls without content allowed, calls and tool results in OpenAI's shape; no row weight or metadata, weights only 0/1 on assistant messages, the model's per-example token limit, " +
    'at least 10 examples, 512 MB, a pipe counted as read). Exit status 1 when it would be rejected.',
  positionals: ['file'],
  input: z.object({
    file: z.string().min(1).describe('JSONL file'),
    target: z.enum(VALIDATE_TARGETS).default('openai').describe('the provider whose rules apply'),
    model: z.string().default('gpt-4o-mini').describe('the model to fine-tune (its token limit applies)'),
  }),
  output: z.object({
    valid: z.boolean(),
    target: z.enum(VALIDATE_TARGETS),
    model: z.string(),
    bytes: z.number().int(),
    rows: z.number().int(),
    tokens: z.number().int(),
    checks: z.array(z.object({ name: z.string(), message: z.string(), count: z.number().int(), lines: z.array(z.number().int()) })),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  usesFineTuneModels: true,
  run: (input, context) =>
    validateFile(context.resolvePath(input.file), {
      target: input.target,
      model: input.model,
      ...(context.fineTuneModels ? { models: context.fineTuneModels } : {}),
      signal: context.signal,
      onProgress: rowProgress(context),
    }),
  summarize(report) {
    const head = report.valid
      ? `valid for ${report.target} fine-tuning of ${report.model}: ${report.rows.toLocaleString('en-US')} examples`
      : `would be rejected by ${report.target} (${report.model}): ${report.checks.length} problem(s) in ${report.rows.toLocaleString('en-US')} rows`;
    return [head, ...report.checks.map((c) => `  ${c.name.padEnd(34)} ${String(c.count).padStart(8)}  ${c.message}${c.lines.length ? `; lines ${c.lines.join(', ')}` : ''}`)].join('\n');
  },
  exitCode: (report) => (report.valid ? 0 : 1),
});
