import type { ChatRow } from './chat-rows.ts';
import { CodeUnits } from './units.ts';

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

// The two lanes of the value hash below, at module level so the walk allocates nothing but key lists.
let lane1 = 0;
let lane2 = 0;

function feed(code: number): void {
  lane1 = Math.imul(lane1 ^ code, 2654435761);
  lane2 = Math.imul(lane2 ^ code, 1597334677);
}

const textUnits = new CodeUnits();
/** Texts at least this long are hashed from a copy of their code units, two at a time (cheaper per character than charCodeAt). */
const COPIED_TEXT = 32;

function feedText(text: string): void {
  // The length goes first, so no two sequences of texts feed the same codes.
  feed(text.length & 0xffff);
  feed(text.length >>> 16);
  // The lanes are module variables: the loop works on local copies.
  let h1 = lane1;
  let h2 = lane2;
  if (text.length < COPIED_TEXT) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
  } else {
    // Two code units at a time: half the multiplies. The length went first, so the NUL that
    // pads an odd last unit is no character.
    const pairs = textUnits.loadPairs(text);
    for (let i = 0, end = (text.length + 1) >>> 1; i < end; i++) {
      const c = pairs[i]!;
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
  }
  lane1 = h1;
  lane2 = h2;
}

function feedValue(value: unknown): void {
  if (typeof value === 'string') {
    feed(1);
    feedText(value);
  } else if (Array.isArray(value)) {
    feed(2);
    feedText(String(value.length));
    for (let i = 0; i < value.length; i++) feedValue(value[i]);
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    feed(3);
    feedText(String(keys.length));
    for (let i = 0; i < keys.length; i++) {
      feedText(keys[i]!);
      feedValue((value as Record<string, unknown>)[keys[i]!]);
    }
  } else {
    // Numbers, booleans and null as JSON writes them, so 1 and 1.0 are the same value.
    feed(4);
    feedText(JSON.stringify(value) ?? 'null');
  }
}

/**
 * A 64-bit hash of a JSON value in which object key order does not matter: the value is walked
 * and fed to the hash as it goes, without building its canonical JSON (that string was an
 * eighth of an audit's time).
 */
export function hashValue(value: unknown): [number, number] {
  lane1 = 0xdeadbeef;
  lane2 = 0x41c6ce57;
  feedValue(value);
  let h1 = lane1;
  let h2 = lane2;
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

/**
 * The hash exact duplicates are found by: a row's `messages` as written (OpenAI and Unsloth
 * rows, so every key counts) or as read into the chat shape (other formats), canonically, so
 * key order does not matter.
 */
export function messagesHash(value: unknown, chat: ChatRow): [number, number] {
  const messages = chat.format === 'openai' || chat.format === 'unsloth' ? (value as { messages: unknown }).messages : chat.messages;
  return hashValue(messages);
}

/** The text near duplicates are compared by: every message's content, one per line. */
export function messagesText(chat: ChatRow): string {
  return chat.messages.map((m) => m.content).join('\n');
}
