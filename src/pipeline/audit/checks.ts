import type { ChatMessage, ChatRow } from '../chat-rows.ts';
import { imagesTokens } from '../images.ts';
import type { TokenEncoding } from '../tokens.ts';
import { isBlankUtf8, lastNonSpaceUtf8 } from '../utf8.ts';
import { messageKeyTokens, toolsTokens } from './tool-tokens.ts';

// The list, exactly (the team compares the count with its Python scripts): no typographic
// or CJK forms, so an answer ending in `…`, `”` or `。` is counted.
const FINAL_PUNCT = new Set(['.', '!', '?', '"', "'", ')', ']']);

/**
 * An assistant message whose content is empty or only whitespace and that makes no tool or
 * function call (`utf8`: contents held as bytes). A call stands in for the text: OpenAI accepts
 * an assistant message with `tool_calls` and no content, and the cookbook's `missing_content`
 * spares a message whose content is empty when it has a `function_call`.
 */
export function hasEmptyAssistant(messages: readonly ChatMessage[], utf8 = false): boolean {
  return messages.some((m) => m.role === 'assistant' && m.calls !== true && isBlank(m.content, utf8));
}

function isBlank(text: string, utf8: boolean): boolean {
  return utf8 ? isBlankUtf8(text) : text.trim() === '';
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
 * in `. ! ? " ' )` or `]`. `utf8`: contents held as bytes.
 */
export function lacksFinalPunctuation(messages: readonly ChatMessage[], utf8 = false): boolean {
  const last = messages.at(-1);
  if (!last || last.role !== 'assistant') return false;
  const end = utf8 ? lastNonSpaceUtf8(last.content) : last.content.trimEnd();
  return end !== '' && !FINAL_PUNCT.has(end.at(-1)!);
}

/** The weights a row carries: its row-level weight (Unsloth), else its messages' weights. */
export function rowWeights(weight: number | null, messages: readonly ChatMessage[]): number[] {
  if (weight !== null) return [weight];
  const weights: number[] = [];
  for (const message of messages) if (message.weight !== undefined) weights.push(message.weight);
  return weights;
}

// OpenAI's accounting: 3 tokens a message for its framing, the role, the content, then 3 to prime the reply.
const MESSAGE_FRAMING = 3;
const REPLY_PRIMING = 3;

/** Tokens one message costs in a fine-tuning row, given its content's count (its other keys apart: tool-tokens.ts). */
export function messageTokens(role: string, contentTokens: number, counter: { count(text: string): number }): number {
  return MESSAGE_FRAMING + counter.count(role) + contentTokens;
}

/**
 * Tokens a whole row costs for fine-tuning, counted the way OpenAI does: its messages, their
 * names and calls, its tool definitions (see tool-tokens.ts), its images given as data URLs
 * (images.ts: one by http(s) URL adds nothing, unless its detail is low).
 */
export function rowTokens(row: Pick<ChatRow, 'messages' | 'tools' | 'images'>, counter: { count(text: string): number; readonly encoding: TokenEncoding }): number {
  const count = (text: string) => counter.count(text);
  let total = REPLY_PRIMING;
  for (const { role, content, written } of row.messages) {
    total += messageTokens(role, counter.count(content), counter);
    if (written) total += messageKeyTokens(written, count);
  }
  if (row.tools) total += toolsTokens(row.tools, counter.encoding, count);
  if (row.images) total += imagesTokens(row.images).tokens;
  return total;
}

/** The row tokens before any message: what `rowTokens` starts from. */
export const ROW_TOKENS_BASE = REPLY_PRIMING;
