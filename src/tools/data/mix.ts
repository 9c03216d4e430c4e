import { z } from 'zod';
import { MixReport, mixFiles, ON_SHORT, parseMixSource } from '../../pipeline/index.ts';
import { ToolError } from '../errors.ts';
import { defineTool } from '../tool.ts';
import { rowProgress } from './progress.ts';

/** `data mix`: sources sampled by ratio into one shuffled file, reproducible from the seed. */
export const dataMix = defineTool({
  name: 'data_mix',
  command: ['data', 'mix'],
  title: 'Mix JSONL datasets by ratio',
  description:
    'Samples chat rows from each --source NAME=PATH:RATIO (percentages summing to 100, or weights that are normalised) into one shuffled ' +
    'file: --total N by largest-remainder counts, or --max for the largest total the ratios allow. Same inputs and --seed, same bytes. ' +
    'Writes OUT and OUT.manifest.json.',
  input: z.object({
    source: z.array(z.string().min(1)).min(1).describe('NAME=PATH:RATIO, e.g. lmsys=data/lmsys.jsonl:40%'),
    total: z.number().int().positive().optional().describe('rows in the mix'),
    max: z.boolean().default(false).describe('the largest total every ratio allows (instead of --total)'),
    seed: z.string().min(1).describe('seed for the sampling and the shuffle'),
    out: z.string().min(1).describe('output JSONL file'),
    replacement: z.boolean().default(false).describe('sample with replacement (rows may repeat)'),
    onShort: z.enum(ON_SHORT).optional().describe('a source with fewer rows than its share: error (default), scale the total down, or fill from the others'),
  }),
  output: MixReport.extend({ manifest: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async run(input, context) {
    if ((input.total === undefined) === !input.max) throw new ToolError('INVALID_ARGUMENT', 'data mix: give exactly one of --total N and --max');
    const specs = input.source.map(parseMixSource);
    const manifest = `${input.out}.manifest.json`;
    const report = await mixFiles({
      sources: specs.map((spec) => ({ ...spec, path: context.resolvePath(spec.path) })),
      names: specs.map((spec) => spec.path),
      total: input.total ?? 'max',
      seed: input.seed,
      out: context.resolvePath(input.out),
      outName: input.out,
      replacement: input.replacement,
      ...(input.onShort ? { onShort: input.onShort } : {}),
      signal: context.signal,
      onProgress: rowProgress(context),
      // Committed with OUT: a manifest never sits beside an output it does not describe.
      beforeCommit: async (report) => [{ path: context.resolvePath(manifest), text: `${JSON.stringify(report, null, 2)}\n` }],
    });
    return { ...report, manifest };
  },
  summarize(report) {
    const n = (x: number) => x.toLocaleString('en-US');
    const rule = report.replacement ? 'with replacement' : `on short: ${report.on_short}${report.short_sources.length ? ` (${report.short_sources.join(', ')})` : ''}`;
    return [
      `${n(report.rows)} rows -> ${report.out} (seed ${report.seed}, ${rule}); sha256 ${report.sha256}`,
      ...report.sources.map(
        (s) =>
          `  ${s.name.padEnd(16)} ${s.ratio.padStart(7)}  requested ${s.requested === null ? '-' : n(s.requested)}, took ${n(s.achieved)} of ${n(s.available)}` +
          `${s.ineligible_lines ? ` (${n(s.ineligible_lines)} ineligible lines)` : ''}`,
      ),
      `  manifest: ${report.manifest}`,
    ].join('\n');
  },
});
