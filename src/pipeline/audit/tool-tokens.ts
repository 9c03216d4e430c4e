import { BILLED_MESSAGE_KEYS, isRecord } from '../chat-rows.ts';
import type { TokenEncoding } from '../tokens.ts';

/**
 * Tokens OpenAI bills for a row beyond its messages' roles and contents: a message's `name`,
 * `tool_call_id`, `tool_calls` and `function_call`, and the row's tool definitions. Counted as
 * the OpenAI cookbook counts them (How_to_count_tokens_with_tiktoken: `num_tokens_from_messages`
 * and `num_tokens_for_tools`), which OpenAI checked against the API's usage for gpt-3.5-turbo,
 * gpt-4, gpt-4o and gpt-4o-mini. The audit reads these only for rows that have them, off the
 * common path.
 */

/** A text's tokens, for text as the caller holds it (decoded, or as its UTF-8 bytes). */
export type CountTokens = (text: string) => number;

// The cookbook: a name costs one token more than its text.
const TOKENS_PER_NAME = 1;
// Values nested deeper than this (no call is) are not counted: a hostile row cannot exhaust the stack.
const MAX_DEPTH = 32;

/**
 * Tokens of a message's billed keys beyond role and content. The cookbook counts the tokens of
 * every value of every key, and one more for a name; it only meets string values. For a call
 * (`tool_calls`, `function_call`), which is not a string, every string inside it is counted:
 * the function's name and its arguments as written (what the model reads and writes), and the
 * call's id and type. An approximation: OpenAI renders a call in a format it does not publish;
 * the id is probably not rendered (a few tokens too many a call), and a call's own framing
 * tokens are probably more than none.
 */
export function messageKeyTokens(message: Record<string, unknown>, count: CountTokens): number {
  let tokens = 0;
  for (const key of BILLED_MESSAGE_KEYS) {
    const value = message[key];
    if (value === undefined) continue;
    tokens += stringTokens(value, count, 0);
    if (key === 'name') tokens += TOKENS_PER_NAME;
  }
  return tokens;
}

function stringTokens(value: unknown, count: CountTokens, depth: number): number {
  if (typeof value === 'string') return count(value);
  if (depth >= MAX_DEPTH || typeof value !== 'object' || value === null) return 0;
  let tokens = 0;
  for (const item of Array.isArray(value) ? value : Object.values(value)) tokens += stringTokens(item, count, depth + 1);
  return tokens;
}

// `num_tokens_for_tools`' constants: per function (10 for gpt-3.5-turbo and gpt-4, cl100k; 7
// for gpt-4o and gpt-4o-mini, o200k, which is taken for the gpt-4.1 models too), per
// parameter list, per parameter, per enum list (negative: its framing replaces some), per
// enum value, and once for all the definitions.
const FUNC_INIT: Record<TokenEncoding, number> = { cl100k_base: 10, o200k_base: 7 };
const PROP_INIT = 3;
const PROP_KEY = 3;
const ENUM_INIT = -3;
const ENUM_ITEM = 3;
const FUNC_END = 12;

/**
 * Tokens of a row's tool definitions: `tools` entries (`{type: 'function', function}`) and
 * legacy `functions` entries (the function itself), as the cookbook's `num_tokens_for_tools`
 * counts them: per function its `name:description` (a final period dropped), per top-level
 * parameter `name:type:description` and its enum values. Like the cookbook, it does not count
 * what is nested inside a parameter (an object's properties, an array's items): those
 * definitions are undercounted.
 */
export function toolsTokens(tools: readonly unknown[], encoding: TokenEncoding, count: CountTokens): number {
  if (tools.length === 0) return 0;
  let tokens = FUNC_END;
  for (const tool of tools) {
    const fn = isRecord(tool) && isRecord(tool.function) ? tool.function : tool;
    if (!isRecord(fn)) continue;
    tokens += FUNC_INIT[encoding] + count(`${text(fn.name)}:${withoutPeriod(text(fn.description))}`);
    const properties = isRecord(fn.parameters) && isRecord(fn.parameters.properties) ? fn.parameters.properties : {};
    const names = Object.keys(properties);
    if (names.length > 0) tokens += PROP_INIT;
    for (const name of names) {
      const property = isRecord(properties[name]) ? properties[name] : {};
      tokens += PROP_KEY;
      if (Array.isArray(property.enum)) {
        tokens += ENUM_INIT;
        for (const item of property.enum) tokens += ENUM_ITEM + count(text(item));
      }
      tokens += count(`${name}:${text(property.type)}:${withoutPeriod(text(property.description))}`);
    }
  }
  return tokens;
}

/** A definition's value as written into a line: a string as it is, anything else as JSON ('' when absent). */
function text(value: unknown): string {
  return value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
}

function withoutPeriod(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text;
}
