import { join } from 'node:path';
import { z } from 'zod';
import { DEDUP_SCOPES, DedupReport, dedupFiles } from '../../pipeline/index.ts';
import { defineTool } from '../tool.ts';
import { rowProgress } from './progress.ts';

const MANIFEST = 'dedup.manifest.json';

/** `data dedup`: exact (and near) duplicates dropped, first occurrence kept, one file out per file in. */
export const dataDedup = defineTool({
  name: 'data_dedup',
  command: ['data', 'dedup'],
  title: 'Deduplicate JSONL datasets',
  description:
    'Drops rows whose messages duplicate an earlier row (canonical JSON hash; --near adds MinHash near duplicates), keeping the first ' +
    'occurrence in input order. Each file is deduped against itself (--scope within-source), all together (cross-source), or with the ' +
    `files of its --group. Writes DIR/<file> per input and DIR/${MANIFEST}; blank and unparsable lines are kept and counted.`,
  positionals: ['files'],
  input: z.object({
    files: z.array(z.string().min(1)).min(1).describe('JSONL files, in priority order (the first occurrence wins)'),
    outDir: z.string().min(1).describe('directory for the deduplicated files and the manifest'),
    near: z.boolean().default(false).describe('also drop near duplicates (MinHash; a second pass)'),
    threshold: z.number().gt(0).max(1).default(0.8).describe('near-duplicate Jaccard threshold, above 0 and at most 1'),
    scope: z.enum(DEDUP_SCOPES).default('within-source').describe('dedup each file against itself, or all files together'),
    group: z
      .array(z.string().min(1))
      .default([])
      .describe('comma-separated inputs deduped together, the others within-source, e.g. toefl.jsonl,pilot.jsonl'),
  }),
  output: DedupReport.extend({ manifest: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async run(input, context) {
    const outDir = context.resolvePath(input.outDir);
    const report = await dedupFiles(input.files.map(context.resolvePath), {
      outDir,
      outDirName: input.outDir,
      near: input.near,
      threshold: input.threshold,
      scope: input.scope,
      groups: input.group,
      names: input.files,
      signal: context.signal,
      onProgress: rowProgress(context),
      // Committed with the outputs: a manifest never sits beside outputs it does not describe.
      beforeCommit: async (report) => [{ path: join(outDir, MANIFEST), text: `${JSON.stringify(report, null, 2)}\n` }],
    });
    return { ...report, manifest: join(input.outDir, MANIFEST) };
  },
  summarize(report) {
    const n = (x: number) => x.toLocaleString('en-US');
    const near = report.near ? `, near ${n(report.near_removed)}` : '';
    return [
      `${n(report.rows_in)} rows in, ${n(report.rows_out)} out (exact duplicates ${n(report.exact_removed)}${near}); ${report.scope}` +
        (report.groups.length && report.scope === 'within-source' ? `, groups: ${report.groups.map((g) => g.join('+')).join('; ')}` : ''),
      ...report.sources.map(
        (s) =>
          `  ${s.path} -> ${join(report.out_dir, s.output)}: ${n(s.rows_in)} -> ${n(s.rows_out)} (exact ${n(s.exact_removed)}` +
          `${report.near ? `, near ${n(s.near_removed)}` : ''}${s.unparsed_lines ? `, ${n(s.unparsed_lines)} unparsed kept` : ''})`,
      ),
      `  manifest: ${report.manifest}`,
    ].join('\n');
  },
});
