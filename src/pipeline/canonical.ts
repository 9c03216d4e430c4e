import type { ChatRow } from './formats.ts';

/** JSON with object keys sorted at every depth and no whitespace: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

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

/**
 * The hash exact duplicates are found by: a row's `messages` as written (OpenAI and Unsloth
 * rows, so every key counts) or as read into the chat shape (other formats), canonically, so
 * key order does not matter.
 */
export function messagesHash(value: unknown, chat: ChatRow): [number, number] {
  const messages = chat.format === 'openai' || chat.format === 'unsloth' ? (value as { messages: unknown }).messages : chat.messages;
  return hashString(canonicalJson(messages));
}

/** The text near duplicates are compared by: every message's content, one per line. */
export function messagesText(chat: ChatRow): string {
  return chat.messages.map((m) => m.content).join('\n');
}
