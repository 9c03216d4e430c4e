import { z } from 'zod';
import { convertFile, FORMATS } from '../../pipeline/index.ts';
import { defineTool } from '../tool.ts';
import { rowProgress } from './progress.ts';
import { OutputFile } from './schemas.ts';

/** `data convert`: rows rewritten in another format, with what the conversion dropped counted. */
export const dataConvert = defineTool({
  name: 'data_convert',
  command: ['data', 'convert'],
  title: 'Convert a JSONL dataset between formats',
  description:
    `Reads any of ${FORMATS.join(', ')} per row and writes --to. Unsloth -> OpenAI strips row weights and metadata (OpenAI rejects them) ` +
    'and keeps tool calls, names, content parts and tools; ShareGPT and Alpaca hold texts only. ' +
    'Every loss is counted with the rows it touched, and rows that cannot be converted are skipped and listed with their lines.',
  positionals: ['input'],
  input: z.object({
    input: z.string().min(1).describe('JSONL file'),
    out: z.string().min(1).describe('the converted JSONL file'),
    to: z.enum(FORMATS).describe('target format'),
  }),
  output: z.object({
    to: z.enum(FORMATS),
    input: z.object({ sha256: z.string(), lines: z.number().int(), rows: z.number().int(), formats: z.record(z.string(), z.number().int()) }),
    output: OutputFile,
    converted: z.number().int(),
    skipped: z.object({ count: z.number().int(), first: z.array(z.object({ line: z.number().int(), reason: z.string() })) }),
    dropped: z.record(z.string(), z.number().int()),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async run(input, context) {
    const result = await convertFile(context.resolvePath(input.input), {
      out: context.resolvePath(input.out),
      to: input.to,
      signal: context.signal,
      onProgress: rowProgress(context),
    });
    return { ...result, output: { ...result.output, path: input.out } };
  },
  summarize(o) {
    const n = (x: number) => x.toLocaleString('en-US');
    const from = Object.entries(o.input.formats).map(([f, c]) => `${f} ${n(c)}`).join(', ');
    return [
      `${n(o.converted)} rows converted to ${o.to} in ${o.output.path} (from ${from || 'nothing'}); ${n(o.skipped.count)} skipped`,
      ...Object.entries(o.dropped).map(([what, rows]) => `  dropped ${what}: ${n(rows)} rows`),
      ...o.skipped.first.slice(0, 5).map((s) => `  skipped line ${s.line}: ${s.reason}`),
    ].join('\n');
  },
});
