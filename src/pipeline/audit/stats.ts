/** A place in the input: which source file (by index) and which 1-based line. */
export interface Place {
  source: number;
  line: number;
}

/** How many rows had a finding, and where the first few are. */
export class Occurrences {
  count = 0;
  readonly first: Place[] = [];
  constructor(private readonly keep: number) {}

  add(source: number, line: number): void {
    this.count++;
    if (this.first.length < this.keep) this.first.push({ source, line });
  }

  /** Adds another tally that comes after this one in input order. */
  merge(other: Occurrences): void {
    this.count += other.count;
    for (const place of other.first) if (this.first.length < this.keep) this.first.push(place);
  }

  /** The tally as plain data (to cross a worker boundary). */
  toData(): { count: number; first: Place[] } {
    return { count: this.count, first: this.first };
  }

  /** A tally from plain data, its lines moved by `lineOffset` (a range's place in its file). */
  static fromData(data: { count: number; first: Place[] }, keep: number, lineOffset: number): Occurrences {
    const tally = new Occurrences(keep);
    tally.count = data.count;
    for (const place of data.first) tally.first.push({ source: place.source, line: place.line + lineOffset });
    return tally;
  }
}

/** NumberStats as plain data. */
export interface NumberStatsData {
  count: number;
  sum: number;
  min: number;
  max: number;
  bins: number[];
}

/** Count, sum, min and max of a stream of numbers, and a histogram over fixed bin edges. */
export class NumberStats {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  readonly bins: number[];

  /**
   * `edges` are the lower bounds of each bin, ascending. A value below the first edge is counted
   * in the first bin, which then reports the smallest value as its lower bound.
   */
  constructor(readonly edges: readonly number[]) {
    this.bins = new Array<number>(edges.length).fill(0);
  }

  add(value: number): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    let bin = this.edges.length - 1;
    while (bin > 0 && value < this.edges[bin]!) bin--;
    this.bins[bin]!++;
  }

  merge(other: NumberStats): void {
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    other.bins.forEach((n, i) => (this.bins[i]! += n));
  }

  toData(): NumberStatsData {
    return { count: this.count, sum: this.sum, min: this.min, max: this.max, bins: this.bins };
  }

  /** Stats over the same edges from plain data. */
  static fromData(data: NumberStatsData, edges: readonly number[]): NumberStats {
    const stats = new NumberStats(edges);
    Object.assign(stats, { count: data.count, sum: data.sum, min: data.min, max: data.max });
    data.bins.forEach((n, i) => (stats.bins[i] = n));
    return stats;
  }

  /** The smallest bin edge at or below which `q` of the values fall (an upper bound from the histogram). */
  quantileBound(q: number): number | null {
    if (this.count === 0) return null;
    let seen = 0;
    for (let i = 0; i < this.bins.length; i++) {
      seen += this.bins[i]!;
      if (seen >= q * this.count) return this.edges[i + 1] ?? this.max;
    }
    return this.max;
  }

  summary() {
    const empty = this.count === 0;
    return {
      count: this.count,
      mean: empty ? 0 : this.sum / this.count,
      min: empty ? 0 : this.min,
      max: empty ? 0 : this.max,
      p50_at_most: this.quantileBound(0.5) ?? 0,
      p90_at_most: this.quantileBound(0.9) ?? 0,
      histogram: this.edges.map((from, i) => ({ from: i === 0 && !empty ? Math.min(from, this.min) : from, to: this.edges[i + 1] ?? null, count: this.bins[i]! })),
    };
  }
}

/** Counts of distinct values, bounded: past `limit` distinct values the rest are tallied as other. */
export class ValueCounts {
  readonly counts = new Map<string, number>();
  other = 0;
  constructor(private readonly limit: number) {}

  add(value: string, n = 1): void {
    const seen = this.counts.get(value);
    if (seen !== undefined) this.counts.set(value, seen + n);
    else if (this.counts.size < this.limit) this.counts.set(value, n);
    else this.other += n;
  }

  merge(other: ValueCounts): void {
    for (const [value, n] of other.counts) this.add(value, n);
    this.other += other.other;
  }

  toData(): { counts: Array<[string, number]>; other: number } {
    return { counts: [...this.counts], other: this.other };
  }

  /** Adds counts given as plain data. */
  mergeData(data: { counts: Array<[string, number]>; other: number }): void {
    for (const [value, n] of data.counts) this.add(value, n);
    this.other += data.other;
  }

  /** Values by count, most frequent first, with their share of all values counted. */
  distribution(): Array<{ value: string; count: number; share: number }> {
    const total = [...this.counts.values()].reduce((a, b) => a + b, this.other);
    const rows = [...this.counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([value, count]) => ({ value, count, share: total ? count / total : 0 }));
    if (this.other) rows.push({ value: '(other)', count: this.other, share: this.other / total });
    return rows;
  }
}

/** Histogram edges for word counts of a message. */
export const WORD_EDGES = [0, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
/** Histogram edges for token counts. */
export const TOKEN_EDGES = [0, 16, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072];
/**
 * Histogram edges for weights: tenths of the default range 0-1, exactly 1 apart from above it,
 * and negative weights apart from 0-0.1 (both out of the default range).
 */
export const WEIGHT_EDGES = [-1, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.0000001];
/** Histogram edges for turns (messages) per row. */
export const TURN_EDGES = [0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64];
