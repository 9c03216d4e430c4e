import { z } from 'zod';
import { scrubFile } from '../../pipeline/index.ts';
import { defineTool } from '../tool.ts';
import { rowProgress } from './progress.ts';
import { OutputFile } from './schemas.ts';

/** `data scrub`: emails, phones and IPs replaced by typed placeholders, everything else kept. */
export const dataScrub = defineTool({
  name: 'data_scrub',
  command: ['data', 'scrub'],
  title: 'Scrub personal data from a JSONL dataset',
  description:
    'Replaces emails, phone numbers and IP addresses in every message with [EMAIL], [PHONE], [IP] (with --consistent, the same value always ' +
    'gets the same numbered placeholder, [EMAIL_1]); rows keep their format and other fields, rows without PII are copied as written.',
  positionals: ['input'],
  input: z.object({
    input: z.string().min(1).describe('JSONL file'),
    out: z.string().min(1).describe('the scrubbed JSONL file'),
    consistent: z.boolean().default(false).describe('number placeholders so one value keeps one placeholder'),
  }),
  output: z.object({
    input: z.object({ sha256: z.string(), lines: z.number().int(), rows: z.number().int() }),
    output: OutputFile,
    replaced: z.object({ email: z.number().int(), phone: z.number().int(), ip: z.number().int() }),
    rows_changed: z.number().int(),
    unparsed_copied: z.number().int(),
    blank_lines: z.number().int(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async run(input, context) {
    const result = await scrubFile(context.resolvePath(input.input), {
      out: context.resolvePath(input.out),
      consistent: input.consistent,
      signal: context.signal,
      onProgress: rowProgress(context),
    });
    return { ...result, output: { ...result.output, path: input.out } };
  },
  summarize(o) {
    const n = (x: number) => x.toLocaleString('en-US');
    return [
      `${n(o.input.rows)} rows -> ${o.output.path}: ${n(o.rows_changed)} rows changed; replaced ${n(o.replaced.email)} emails, ${n(o.replaced.phone)} phones, ${n(o.replaced.ip)} IPs`,
      ...(o.unparsed_copied ? [`  ${n(o.unparsed_copied)} lines that are not rows were copied unchanged (not scrubbed)`] : []),
    ].join('\n');
  },
});
