import type { ChatRow } from './chat-rows.ts';
import { decodeUtf8 } from './utf8.ts';

/**
 * A 64-bit hash as two 32-bit halves (two independently seeded multiply-xor lanes, cyrb53's
 * mixing). Collision odds at ten million rows are about 3 in a million.
 */
export function hashString(text: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

// The two lanes of the value hash below, at module level so the walk allocates nothing.
const SEED1 = 0xdeadbeef | 0;
const SEED2 = 0x41c6ce57;
const PRIME1 = 2654435761 | 0;
const PRIME2 = 1597334677;
let lane1 = 0;
let lane2 = 0;

function feed(code: number): void {
  lane1 = Math.imul(lane1 ^ code, PRIME1);
  lane2 = Math.imul(lane2 ^ code, PRIME2);
}

/** cyrb53's final mixing of the two lanes, into lane1 and lane2. */
function finish(): void {
  const h1 = Math.imul(lane1 ^ (lane1 >>> 16), 2246822507) ^ Math.imul(lane2 ^ (lane2 >>> 13), 3266489909);
  lane2 = Math.imul(lane2 ^ (lane2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  lane1 = h1;
}

/** Texts up to this long are packed here, four bytes a word, without a copy. */
const SHORT_TEXT = 16;
let scratch = Buffer.allocUnsafeSlow(1 << 12);
let scratchView = new DataView(scratch.buffer, scratch.byteOffset, scratch.length);
const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Feeds a text as its UTF-8 bytes, four a word, after its length in bytes: a text held as bytes
 * (`utf8`, see utf8.ts) and the same text decoded feed the same codes. A text with a lone
 * surrogate has no UTF-8: it feeds a mark and its code units instead.
 */
function feedText(text: string, utf8: boolean): void {
  const n = text.length;
  let ascii = 0;
  if (n <= SHORT_TEXT && !utf8) for (let i = 0; i < n; i++) ascii |= text.charCodeAt(i);
  if (n <= SHORT_TEXT && ascii < 0x80) {
    // The lanes are module variables: the loop works on local copies.
    let h1 = Math.imul(lane1 ^ n, PRIME1);
    let h2 = Math.imul(lane2 ^ n, PRIME2);
    let word = 0;
    for (let i = 0; i < n; i++) {
      word |= text.charCodeAt(i) << ((i & 3) << 3);
      if ((i & 3) === 3 || i === n - 1) {
        h1 = Math.imul(h1 ^ word, PRIME1);
        h2 = Math.imul(h2 ^ word, PRIME2);
        word = 0;
      }
    }
    lane1 = h1;
    lane2 = h2;
    return;
  }
  if (scratch.length < n * 3 + 4) {
    scratch = Buffer.allocUnsafeSlow(Math.max(n * 3 + 4, scratch.length * 2));
    scratchView = new DataView(scratch.buffer, scratch.byteOffset, scratch.length);
  }
  const bytes = scratch.write(text, 0, utf8 ? 'latin1' : 'utf8');
  // As many bytes as code units: ASCII, so no surrogate either. (The second pattern is slow:
  // it runs only on texts with a surrogate.)
  if (!utf8 && bytes !== n && SURROGATE.test(text) && LONE_SURROGATE.test(text)) {
    feed(-1);
    feed(n);
    for (let i = 0; i < n; i++) feed(text.charCodeAt(i));
    return;
  }
  const view = scratchView;
  view.setInt32(bytes, 0);
  // The first SHORT_TEXT bytes as the short path feeds them; the rest two words at a time, the
  // second word of each pair into two more lanes folded in at the end: four multiply chains
  // side by side instead of two, each word still in two lanes.
  let h1 = Math.imul(lane1 ^ bytes, PRIME1);
  let h2 = Math.imul(lane2 ^ bytes, PRIME2);
  let i = 0;
  for (; i < bytes && i < SHORT_TEXT; i += 4) {
    const word = view.getInt32(i, true);
    h1 = Math.imul(h1 ^ word, PRIME1);
    h2 = Math.imul(h2 ^ word, PRIME2);
  }
  if (i < bytes) {
    let h3 = SEED2;
    let h4 = SEED1;
    for (; i + 4 < bytes; i += 8) {
      const even = view.getInt32(i, true);
      const odd = view.getInt32(i + 4, true);
      h1 = Math.imul(h1 ^ even, PRIME1);
      h2 = Math.imul(h2 ^ even, PRIME2);
      h3 = Math.imul(h3 ^ odd, PRIME1);
      h4 = Math.imul(h4 ^ odd, PRIME2);
    }
    if (i < bytes) {
      const last = view.getInt32(i, true);
      h1 = Math.imul(h1 ^ last, PRIME1);
      h2 = Math.imul(h2 ^ last, PRIME2);
    }
    h1 = Math.imul(h1 ^ h3, PRIME1);
    h2 = Math.imul(h2 ^ h4, PRIME2);
  }
  lane1 = h1;
  lane2 = h2;
}

function feedValue(value: unknown, utf8: boolean): void {
  if (typeof value === 'string') {
    feed(1);
    feedText(value, utf8);
  } else if (Array.isArray(value)) {
    feed(2);
    feed(value.length);
    for (let i = 0; i < value.length; i++) feedValue(value[i], utf8);
  } else if (value !== null && typeof value === 'object') {
    // Key order does not matter: each key and its value are hashed apart, and the hashes summed
    // (no sorted key list: keys held as bytes would sort apart from decoded ones).
    const outer1 = lane1;
    const outer2 = lane2;
    let sum1 = 0;
    let sum2 = 0;
    let keys = 0;
    for (const key in value) {
      lane1 = SEED1;
      lane2 = SEED2;
      feedText(key, utf8);
      feedValue((value as Record<string, unknown>)[key], utf8);
      finish();
      sum1 = (sum1 + lane1) | 0;
      sum2 = (sum2 + lane2) | 0;
      keys++;
    }
    lane1 = outer1;
    lane2 = outer2;
    feed(3);
    feed(keys);
    feed(sum1);
    feed(sum2);
  } else {
    // Numbers, booleans and null as JSON writes them, so 1 and 1.0 are the same value.
    feed(4);
    feedText(JSON.stringify(value) ?? 'null', false);
  }
}

/**
 * A 64-bit hash of a JSON value in which object key order does not matter: the value is walked
 * and fed to the hash as it goes, without building its canonical JSON (that string was an
 * eighth of an audit's time). Strings count as their UTF-8 bytes, so a value parsed from a line
 * held as bytes (`utf8`, see utf8.ts) hashes as the same value parsed from the decoded line.
 * Hashes are for comparing within a run: they may change between versions.
 */
export function hashValue(value: unknown, utf8 = false): [number, number] {
  lane1 = SEED1;
  lane2 = SEED2;
  feedValue(value, utf8);
  finish();
  return [lane1 >>> 0, lane2 >>> 0];
}

/**
 * The hash exact duplicates are found by: a row's `messages` as written (OpenAI and Unsloth
 * rows, so every key counts) or as read into the chat shape (other formats), canonically, so
 * key order does not matter.
 */
export function messagesHash(value: unknown, chat: ChatRow, utf8 = false): [number, number] {
  const messages = chat.format === 'openai' || chat.format === 'unsloth' ? (value as { messages: unknown }).messages : chat.messages;
  return hashValue(messages, utf8);
}

/** The text near duplicates are compared by: every message's content, one per line (decoded when held as bytes). */
export function messagesText(chat: ChatRow, utf8 = false): string {
  const text = chat.messages.map((m) => m.content).join('\n');
  return utf8 ? decodeUtf8(text) : text;
}
