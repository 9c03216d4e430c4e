import type { ChatMessage } from '../chat-rows.ts';
import { mayStartPii } from '../pii.ts';
import { CodeUnits } from '../units.ts';

const FINAL_PUNCT = new Set(['.', '!', '?', '"', "'", ')', ']', '…', '”', '’', '»', '。', '！', '？', '`', '*']);

/** An assistant message whose content is empty or only whitespace. */
export function hasEmptyAssistant(messages: readonly ChatMessage[]): boolean {
  return messages.some((m) => m.role === 'assistant' && m.content.trim() === '');
}

/**
 * Ignoring system (and developer) messages: the first message is not the user's, or two
 * neighbours share a role. Tool results sit between assistant turns and break nothing.
 */
export function hasAlternationViolation(messages: readonly ChatMessage[]): boolean {
  let previous: string | null = null;
  for (const { role } of messages) {
    if (role === 'system' || role === 'developer') continue;
    if (previous === null && role !== 'user') return true;
    if (role === previous && role !== 'tool') return true;
    previous = role;
  }
  return false;
}

/**
 * The last message is the assistant's, its right-trimmed text is not empty, and it does not end
 * in sentence punctuation (`. ! ? " ' ) ]`, their typographic forms, or a closing code fence).
 */
export function lacksFinalPunctuation(messages: readonly ChatMessage[]): boolean {
  const last = messages.at(-1);
  if (!last || last.role !== 'assistant') return false;
  const text = last.content.trimEnd();
  return text !== '' && !FINAL_PUNCT.has(text.at(-1)!);
}

const textUnits = new CodeUnits();

/** What one pass over a text finds: its words, and whether `scanPii` could find anything in it. */
export interface TextScan {
  words: number;
  maybePii: boolean;
}

const scanned: TextScan = { words: 0, maybePii: false };

// What scanText needs of a code unit, as bits: a space between words, a character PII needs
// wherever it is (`@`, an ASCII digit), a colon (`::` is one too).
const WORD_SPACE = 1;
const PII_CHAR = 2;
const COLON = 4;
let unitKinds: Uint8Array | null = null;

function kinds(): Uint8Array {
  if (unitKinds) return unitKinds;
  unitKinds = new Uint8Array(65536);
  for (const space of [9, 10, 11, 12, 13, 32, 160, 0x3000]) unitKinds[space] = WORD_SPACE;
  for (let c = 0; c < 65536; c++) if (mayStartPii(c, 0)) unitKinds[c] = PII_CHAR;
  unitKinds[58] = COLON;
  return unitKinds;
}

/**
 * Words in a text (runs of non-space characters), and whether it has a character PII starts
 * from, in one pass over its code units (the word count and the PII prefilters were three
 * scans). Branch-free per character: a branch at every word's edge was mispredicted often
 * enough to double the time. The answer is one shared object, overwritten by the next call.
 */
export function scanText(text: string): Readonly<TextScan> {
  const u = textUnits.load(text);
  const kind = kinds();
  let words = 0;
  let found = 0;
  // As if a space came before the text, so a word at the start counts.
  let previous = WORD_SPACE;
  for (let i = 0; i < text.length; i++) {
    const k = kind[u[i]!]!;
    // A word starts where a non-space follows a space.
    words += previous & ~k & WORD_SPACE;
    found |= (k & PII_CHAR) | (k & previous & COLON);
    previous = k;
  }
  scanned.words = words;
  scanned.maybePii = found !== 0;
  return scanned;
}

/** Words in a text: runs of non-space characters. */
export function countWords(text: string): number {
  return scanText(text).words;
}

/** The weights a row carries: its row-level weight (Unsloth), else its messages' weights. */
export function rowWeights(weight: number | null, messages: readonly ChatMessage[]): number[] {
  return weight !== null ? [weight] : messages.flatMap((m) => (m.weight === undefined ? [] : [m.weight]));
}

// OpenAI's accounting: 3 tokens a message for its framing, the role, the content, then 3 to prime the reply.
const MESSAGE_FRAMING = 3;
const REPLY_PRIMING = 3;

/** Tokens one message costs in a fine-tuning row, given its content's count. */
export function messageTokens(role: string, contentTokens: number, counter: { count(text: string): number }): number {
  return MESSAGE_FRAMING + counter.count(role) + contentTokens;
}

/** Tokens a whole row costs for fine-tuning, counted the way OpenAI does. */
export function rowTokens(messages: readonly ChatMessage[], counter: { count(text: string): number }): number {
  let total = REPLY_PRIMING;
  for (const { role, content } of messages) total += messageTokens(role, counter.count(content), counter);
  return total;
}

/** The row tokens before any message: what `rowTokens` starts from. */
export const ROW_TOKENS_BASE = REPLY_PRIMING;
