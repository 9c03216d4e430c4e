import { z } from 'zod';
import { imagesByUrlNote, VALIDATE_TARGETS, validateFile } from '../../pipeline/index.ts';
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
    'at least 10 examples, 512 MB, a pipe counted as read; images only for a vision model, only in user messages, by http(s) or base64 data URL, JPEG/PNG/WEBP in RGB(A), ' +
    "at most 10 MB each, 10 an example, 50,000 examples with images; a data URL image's tokens counted, one by URL not: the count is then a lower bound). Exit status 1 when it would be rejected.",
  positionals: ['file'],
  input: z.object({
    file: z.string().min(1).describe('JSONL file'),
    target: z.enum(VALIDATE_TARGETS).default('openai').describe('the provider whose rules apply'),
    model: z.string().default('gpt-4o-mini').describe('the model to fine-tune (its token limit applies, and whether it takes images)'),
  }),
  output: z.object({
    valid: z.boolean(),
    target: z.enum(VALIDATE_TARGETS),
    model: z.string(),
    bytes: z.number().int(),
    rows: z.number().int(),
    tokens: z.number().int().describe('every example, images included; a lower bound when images.byUrl is not 0'),
    images: z
      .object({
        examples: z.number().int().describe('examples with at least one image'),
        images: z.number().int(),
        byUrl: z.number().int().describe('images by http(s) URL (not of low detail): never fetched, their tokens unknown and not counted'),
        tokens: z.number().int().describe('the tokens of the other images, part of tokens'),
      })
      .strict(),
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
    const { images } = report;
    const lines = [head];
    if (images.examples > 0) {
      lines.push(`  ${images.images.toLocaleString('en-US')} ${images.images === 1 ? 'image' : 'images'} in ${images.examples.toLocaleString('en-US')} examples: ${images.tokens.toLocaleString('en-US')} of the ${report.tokens.toLocaleString('en-US')} tokens`);
      if (images.byUrl > 0) lines.push(`  ${imagesByUrlNote(images.byUrl)}`);
    }
    return [...lines, ...report.checks.map((c) => `  ${c.name.padEnd(34)} ${String(c.count).padStart(8)}  ${c.message}${c.lines.length ? `; lines ${c.lines.join(', ')}` : ''}`)].join('\n');
  },
  exitCode: (report) => (report.valid ? 0 : 1),
});
