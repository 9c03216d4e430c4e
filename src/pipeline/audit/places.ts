import type { Place } from './stats.ts';

/** Row number → (source, line), 8 bytes a row in typed arrays that grow by doubling. */
export class RowPlaces {
  private sources: Int32Array = new Int32Array(1024);
  private lines: Int32Array = new Int32Array(1024);
  size = 0;

  push(source: number, line: number): number {
    if (this.size === this.sources.length) {
      this.sources = grow(this.sources);
      this.lines = grow(this.lines);
    }
    this.sources[this.size] = source;
    this.lines[this.size] = line;
    return this.size++;
  }

  at(row: number): Place {
    return { source: this.sources[row]!, line: this.lines[row]! };
  }
}

function grow(array: Int32Array): Int32Array {
  const next = new Int32Array(array.length * 2);
  next.set(array);
  return next;
}
