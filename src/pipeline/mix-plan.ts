import { PipelineError } from './errors.ts';

/** What to do when a source has fewer eligible rows than its share of `--total` (without replacement). */
export const ON_SHORT = ['error', 'scale', 'fill'] as const;
/** One of the stopping rules. */
export type OnShort = (typeof ON_SHORT)[number];

/** One `--source NAME=PATH:RATIO` spec, read. */
export interface MixSourceSpec {
  name: string;
  path: string;
  /** The ratio as written, e.g. `40%` or `2`. */
  ratio: string;
  /** Its number, without the `%`. */
  weight: number;
  percent: boolean;
}

const SPEC = /^([A-Za-z0-9][\w.-]*)=(.+):([^:]+)$/;

/** Reads `NAME=PATH:RATIO` (the path may hold colons; the ratio is after the last one). */
export function parseMixSource(spec: string): MixSourceSpec {
  const match = SPEC.exec(spec.trim());
  const expected = 'expected NAME=PATH:RATIO with RATIO a percentage or a weight, e.g. lmsys=data/lmsys.jsonl:40%';
  if (!match) throw new PipelineError('INVALID_ARGUMENT', `--source "${spec}": ${expected}`, { spec });
  const [, name, path, ratio] = match as unknown as [string, string, string, string];
  const percent = ratio.endsWith('%');
  const digits = percent ? ratio.slice(0, -1) : ratio;
  const weight = /^\d+(\.\d+)?$|^\.\d+$/.test(digits) ? Number(digits) : NaN;
  if (!(weight > 0)) throw new PipelineError('INVALID_ARGUMENT', `--source "${spec}": ratio "${ratio}" is not a positive number or percentage; ${expected}`, { spec });
  return { name, path, ratio, weight, percent };
}

/**
 * Checks a set of specs: names unique, and ratios either all percentages summing to 100 or
 * all weights (then normalised by their sum). Returns whether they are percentages.
 */
export function checkMixSources(specs: readonly MixSourceSpec[]): 'percent' | 'weights' {
  if (specs.length === 0) throw new PipelineError('INVALID_ARGUMENT', 'give at least one --source NAME=PATH:RATIO');
  specs.forEach((spec, i) => {
    if (specs.findIndex((other) => other.name === spec.name) !== i) throw new PipelineError('INVALID_ARGUMENT', `--source name "${spec.name}" is given twice; names must be unique`);
  });
  const percents = specs.filter((s) => s.percent).length;
  if (percents === 0) return 'weights';
  if (percents < specs.length) {
    throw new PipelineError('INVALID_ARGUMENT', `--source ratios mix percentages and weights (${specs.map((s) => `${s.name}:${s.ratio}`).join(', ')}); give all as percentages or all as weights`);
  }
  const sum = specs.reduce((n, s) => n + s.weight, 0);
  if (Math.abs(sum - 100) > 1e-9) {
    throw new PipelineError('INVALID_ARGUMENT', `--source percentages sum to ${Math.round(sum * 1e6) / 1e6}%, expected 100%; give weights without % to have them normalised`);
  }
  return 'percent';
}

/**
 * Splits `total` into whole counts proportional to `weights` by largest remainder (Hamilton):
 * each gets the floor of its quota, and the rows left over go to the largest fractions,
 * earlier sources first on a tie. The counts always sum to `total`.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const quotas = weights.map((w) => (total * w) / sum);
  const counts = quotas.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = quotas.map((q, i) => ({ i, fraction: q - Math.floor(q) })).sort((a, b) => b.fraction - a.fraction || a.i - b.i);
  for (const { i } of order) {
    if (left-- <= 0) break;
    counts[i]!++;
  }
  return counts;
}

/** A source as the planner sees it: name, weight, eligible rows. */
export interface PlanSource {
  name: string;
  weight: number;
  available: number;
}

/** How many rows to take from each source, and which sources were short. */
export interface MixCounts {
  /** Counts for the total asked, before any stopping rule; null with `max`. */
  requested: number[] | null;
  counts: number[];
  /** Sources with fewer eligible rows than their requested count (or, with `max`, all of whose rows are taken). */
  short: string[];
}

/**
 * Decides the counts. With replacement any count can be drawn (a source needs one row). Without,
 * a short source is handled by `onShort`: `error` fails naming it; `scale` lowers the total to
 * the largest one whose apportionment fits every source (`max` is `scale` from no limit);
 * `fill` takes all of each short source and apportions the rest over the others by their
 * weights, repeating while another source runs short.
 */
export function planCounts(sources: readonly PlanSource[], total: number | 'max', options: { replacement: boolean; onShort: OnShort }): MixCounts {
  const requested = total === 'max' ? null : apportion(total, sources.map((s) => s.weight));
  const empty = sources.find((s, i) => s.available === 0 && (requested === null || requested[i]! > 0));
  if (empty && (options.replacement || options.onShort !== 'fill')) {
    throw new PipelineError('NOT_ENOUGH_ROWS', `--source ${empty.name}: no eligible chat rows, so its ratio cannot be met`, { source: empty.name });
  }
  if (total === 'max' || requested === null) {
    if (options.replacement) throw new PipelineError('INVALID_ARGUMENT', '--max has no meaning with --replacement (any total can be drawn): give --total N');
    const counts = scaleDown(sources, Infinity);
    return { requested, counts, short: sources.filter((s, i) => counts[i] === s.available).map((s) => s.name) };
  }
  if (options.replacement) return { requested, counts: requested, short: [] };
  const short = sources.filter((s, i) => requested[i]! > s.available).map((s) => s.name);
  if (short.length === 0) return { requested, counts: requested, short };
  switch (options.onShort) {
    case 'error': {
      const detail = sources
        .map((s, i) => (requested[i]! > s.available ? `${s.name} has ${s.available} eligible rows, needs ${requested[i]}` : null))
        .filter(Boolean)
        .join('; ');
      throw new PipelineError('NOT_ENOUGH_ROWS', `--total ${total}: ${detail}; use --on-short scale or fill, or --replacement`, { short });
    }
    case 'scale':
      return { requested, counts: scaleDown(sources, total), short };
    case 'fill':
      return { requested, counts: fill(sources, total), short };
  }
}

/** The apportionment of the largest total ≤ `limit` that no source runs short of. */
function scaleDown(sources: readonly PlanSource[], limit: number): number[] {
  const weights = sources.map((s) => s.weight);
  const sum = weights.reduce((a, b) => a + b, 0);
  // A source's count is at least floor(total·w/sum), so any total at or above (available+1)·sum/w
  // overdraws it; below that bound the search steps down only past rounding.
  let total = Math.min(limit, ...sources.map((s) => Math.ceil(((s.available + 1) * sum) / s.weight)));
  for (; total > 0; total--) {
    const counts = apportion(total, weights);
    if (counts.every((c, i) => c <= sources[i]!.available)) return counts;
  }
  return sources.map(() => 0);
}

function fill(sources: readonly PlanSource[], total: number): number[] {
  const available = sources.reduce((n, s) => n + s.available, 0);
  if (available < total) throw new PipelineError('NOT_ENOUGH_ROWS', `--total ${total}: all sources together have ${available} eligible rows`);
  const counts = sources.map(() => 0);
  const fixed = sources.map(() => false);
  for (;;) {
    const free = sources.map((_, i) => i).filter((i) => !fixed[i]);
    const rest = total - sources.reduce((n, s, i) => n + (fixed[i] ? s.available : 0), 0);
    const shares = apportion(rest, free.map((i) => sources[i]!.weight));
    const over = free.filter((i, k) => shares[k]! > sources[i]!.available);
    if (over.length === 0) {
      free.forEach((i, k) => (counts[i] = shares[k]!));
      sources.forEach((s, i) => fixed[i] && (counts[i] = s.available));
      return counts;
    }
    for (const i of over) fixed[i] = true;
  }
}
