/**
 * Text held as its UTF-8 bytes, one a character: a line read as Latin-1 instead of decoded.
 * Reading it is a copy, where decoding multilingual UTF-8 was a quarter of an audit's time;
 * JSON parses the same from it (its structure is ASCII), and ASCII checks work on it as on the
 * decoded text. What needs real characters decodes it here.
 */

let scratch = Buffer.allocUnsafeSlow(1 << 12);

/** The text whose UTF-8 bytes `bytes` holds one a character. */
export function decodeUtf8(bytes: string): string {
  if (scratch.length < bytes.length) scratch = Buffer.allocUnsafeSlow(Math.max(bytes.length, scratch.length * 2));
  const n = scratch.write(bytes, 0, 'latin1');
  return scratch.toString('utf8', 0, n);
}

/** The UTF-8 bytes of a text, one a character: how a key looks in a row read as bytes. */
export function utf8Bytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

const NON_ASCII = /[^\x00-\x7f]/;
const ASCII_NOT_SPACE = /[^\s\x80-\xff]/;

/**
 * Whether a text held as bytes has an ASCII character other than white space: then, decoded,
 * it is not blank (and, for its last character, ends in that character after `trimEnd`).
 */
export function hasAsciiNonSpace(bytes: string): boolean {
  return ASCII_NOT_SPACE.test(bytes);
}

/** A text held as bytes decoded, when it needs to be (it has a byte beyond ASCII). */
export function decodedIfNeeded(bytes: string): string {
  return NON_ASCII.test(bytes) ? decodeUtf8(bytes) : bytes;
}
