/**
 * A reusable array of a text's UTF-16 code units. The text is copied in by one native call;
 * reading the array in a loop is several times cheaper than `charCodeAt`, which checks the
 * string's representation on every call. Each module that scans texts keeps its own, so one
 * scan never overwrites another's.
 */
export class CodeUnits {
  #bytes = Buffer.allocUnsafeSlow(8192);
  #units = new Uint16Array(this.#bytes.buffer, this.#bytes.byteOffset, 4096);

  /**
   * The text's code units at `[0, text.length)`, then a NUL (a sentinel a scan may stop at).
   * The array is shared: it holds the text until the next `load`.
   */
  load(text: string): Uint16Array {
    if (this.#units.length < text.length + 1) {
      const size = Math.max(text.length + 1, this.#units.length * 2);
      // Its own allocation (not Buffer's shared pool), so the units start aligned.
      this.#bytes = Buffer.allocUnsafeSlow(size * 2);
      this.#units = new Uint16Array(this.#bytes.buffer, this.#bytes.byteOffset, size);
    }
    this.#bytes.write(text, 0, 'utf16le');
    this.#units[text.length] = 0;
    return this.#units;
  }
}
