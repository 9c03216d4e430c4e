import type { Column } from './types.ts';

/** Numbers kept for each card: see `CardDrafts.add`. */
const FIELDS = 7;

/**
 * The cards a scan found, kept flat: their offsets and line numbers in one typed array (outside
 * the JavaScript heap), their columns as indexes into a short list. A board has a card a line
 * or so, and an object for each would live through the whole parse only to be read once.
 */
export class CardDrafts {
  #numbers = new Int32Array(FIELDS * 64);
  #length = 0;
  /** The columns cards were found in, in order; `#column[n]` indexes it. */
  readonly #columns: Column[] = [];
  #column = new Int32Array(64);

  get length(): number {
    return this.#length;
  }

  /**
   * A card of `column` whose first line is line `line` (0-based), `[start, end)`. Its item
   * text runs from `head` to `headEnd` (the line's content end); `checked` is its checkbox.
   */
  add(column: Column, start: number, end: number, line: number, head: number, headEnd: number, checked: boolean | null): void {
    const n = this.#length++;
    if (n === this.#column.length) {
      this.#numbers = grown(this.#numbers);
      this.#column = grown(this.#column);
    }
    const at = n * FIELDS;
    const numbers = this.#numbers;
    numbers[at] = start;
    numbers[at + 1] = end;
    numbers[at + 2] = line;
    numbers[at + 3] = line;
    numbers[at + 4] = head;
    numbers[at + 5] = headEnd;
    numbers[at + 6] = checked === null ? -1 : checked ? 1 : 0;
    if (this.#columns.at(-1) !== column) this.#columns.push(column);
    this.#column[n] = this.#columns.length - 1;
  }

  /** The last card takes in lines up to line `line` (0-based), which ends at `end`. */
  extend(line: number, end: number): void {
    const at = (this.#length - 1) * FIELDS;
    this.#numbers[at + 1] = end;
    this.#numbers[at + 3] = line;
  }

  column(n: number): Column {
    return this.#columns[this.#column[n]!]!;
  }

  start(n: number): number {
    return this.#numbers[n * FIELDS]!;
  }

  end(n: number): number {
    return this.#numbers[n * FIELDS + 1]!;
  }

  /** 0-based index of the first line. */
  line(n: number): number {
    return this.#numbers[n * FIELDS + 2]!;
  }

  /** 0-based index of the last line. */
  lastLine(n: number): number {
    return this.#numbers[n * FIELDS + 3]!;
  }

  head(n: number): number {
    return this.#numbers[n * FIELDS + 4]!;
  }

  headEnd(n: number): number {
    return this.#numbers[n * FIELDS + 5]!;
  }

  checkbox(n: number): 'open' | 'done' | null {
    const checked = this.#numbers[n * FIELDS + 6]!;
    return checked === -1 ? null : checked === 1 ? 'done' : 'open';
  }
}

/** A copy of `array` twice as long. */
function grown(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const copy = new Int32Array(array.length * 2);
  copy.set(array);
  return copy;
}
