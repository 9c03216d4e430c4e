import { z } from 'zod';
import { COOKBOOK_ERRORS } from '../formats.ts';

/** Where a finding is: a source file and a 1-based line. */
export const PlaceJson = z.object({ source: z.string(), line: z.number().int() });

/** How many rows have a finding, and the first lines where it occurs. */
export const CountJson = z.object({ count: z.number().int(), lines: z.array(PlaceJson) });

const Histogram = z.array(z.object({ from: z.number(), to: z.number().nullable(), count: z.number().int() }));

/** Count, mean, min, max, histogram bounds of a measured quantity. */
export const StatsJson = z.object({
  count: z.number().int(),
  mean: z.number(),
  min: z.number(),
  max: z.number(),
  p50_at_most: z.number(),
  p90_at_most: z.number(),
  histogram: Histogram,
});

const Distribution = z.array(z.object({ value: z.string(), count: z.number().int(), share: z.number() }));

/** The named counts every audit reports, with the first lines of each. */
export const COUNT_NAMES = [
  'parse_errors',
  ...COOKBOOK_ERRORS,
  'empty_assistant_rows',
  'alternation_violation_rows',
  'exact_duplicate_rows',
  'near_duplicate_rows',
  'rows_with_email',
  'rows_with_phone',
  'rows_with_ip',
  'no_final_punct_rows',
  'weight_out_of_range_rows',
  'over_context_rows',
  'blank_lines',
  'invalid_utf8_lines',
  'truncated_lines',
] as const;

/** One of the audit's counts. */
export type CountName = (typeof COUNT_NAMES)[number];

const Counts = z.object(Object.fromEntries(COUNT_NAMES.map((name) => [name, CountJson])) as Record<CountName, typeof CountJson>);

/** Per-role statistics (user, assistant, system, …). */
const ByRole = z.record(z.string(), StatsJson);

/** The audit of one or more JSONL files: exact counts, distributions and estimates. */
export const AuditReport = z.object({
  sources: z.array(
    z.object({
      path: z.string(),
      bytes: z.number().int(),
      lines: z.number().int(),
      rows: z.number().int(),
      formats: Distribution,
      counts: Counts,
    }),
  ),
  lines: z.number().int(),
  rows: z.number().int().describe('non-blank lines'),
  formats: Distribution,
  counts: Counts,
  duplicate_groups: z.array(z.object({ count: z.number().int(), lines: z.array(PlaceJson) })),
  near_duplicate_clusters: z
    .array(z.object({ similarity: z.number(), lines: z.array(PlaceJson) }))
    .nullable()
    .describe('null when near-duplicate detection was skipped (--no-near)'),
  weights: z.object({
    rows_with_weight: z.number().int(),
    range: z.tuple([z.number(), z.number()]),
    stats: StatsJson,
    distribution: Distribution,
  }),
  lengths: z.object({ words: ByRole, tokens: ByRole, turns: StatsJson, row_tokens: StatsJson }),
  field: z.object({ name: z.string(), rows_with_field: z.number().int(), distribution: Distribution }),
  tokens: z.object({
    encoding: z.string(),
    total: z.number().int(),
    model: z.string(),
    context_limit: z.number().int(),
    epochs: z.number().int(),
    price_per_million: z.number(),
    billed_tokens: z.number().int(),
    estimated_cost_usd: z.number(),
    /** Images by http(s) URL, never fetched: their tokens are not in the counts, which are then lower bounds (0 in reports from before images were counted). */
    images_by_url: z.number().int().default(0),
  }),
  elapsed_ms: z.number(),
});

/** The audit result, as `data audit --json` prints it. */
export type AuditReport = z.infer<typeof AuditReport>;
