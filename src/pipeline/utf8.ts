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
const WHITE_SPACE = /\s/;

/** A text held as bytes decoded, when it needs to be (it has a byte beyond ASCII). */
export function decodedIfNeeded(bytes: string): string {
  return NON_ASCII.test(bytes) ? decodeUtf8(bytes) : bytes;
}

/** The character whose UTF-8 bytes are `[start, end)` of a text held as bytes. */
function characterAt(bytes: string, start: number, end: number): string {
  return end - start === 1 ? bytes[start]! : decodeUtf8(bytes.slice(start, end));
}

/**
 * Whether a text held as bytes is empty or only white space (what `trim` removes), decoding
 * only the characters beyond ASCII it meets before the first other one.
 */
export function isBlankUtf8(bytes: string): boolean {
  for (let start = 0; start < bytes.length; ) {
    const lead = bytes.charCodeAt(start);
    const end = start + (lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4);
    if (!WHITE_SPACE.test(characterAt(bytes, start, end))) return false;
    start = end;
  }
  return true;
}

/** The last character of a text held as bytes once `trimEnd` has removed white space (decoded), or '' when none is left. */
export function lastNonSpaceUtf8(bytes: string): string {
  for (let end = bytes.length; end > 0; ) {
    let start = end - 1;
    while (start > 0 && (bytes.charCodeAt(start) & 0xc0) === 0x80) start--;
    const character = characterAt(bytes, start, end);
    if (!WHITE_SPACE.test(character)) return character;
    end = start;
  }
  return '';
}
