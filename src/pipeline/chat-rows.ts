/**
 * Rows of every format read into the common chat shape, and the cookbook's format checks:
 * plain functions without zod, so an audit worker starts without loading it. The schemas are
 * in formats.ts.
 */
import type { ImagePart } from './images.ts';

/** The dataset row formats Quimbot reads and writes. */
export const FORMATS = ['openai', 'unsloth', 'sharegpt', 'alpaca'] as const;
/** One of the supported row formats. */
export type Format = (typeof FORMATS)[number];

/** Roles an OpenAI chat fine-tuning row may use. */
export const CHAT_ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;
const MESSAGE_KEYS = new Set(['role', 'content', 'name', 'weight', 'function_call', 'tool_calls', 'tool_call_id']);
/**
 * The message keys OpenAI accepts and bills beyond role and content (audit/tool-tokens.ts
 * counts them). `weight` is a training setting, not text the model reads; a key OpenAI does not
 * accept makes it refuse the file, so it is never billed.
 */
export const BILLED_MESSAGE_KEYS = ['name', 'tool_call_id', 'tool_calls', 'function_call'] as const;

/** A chat message in the common shape every format is read into. */
export interface ChatMessage {
  role: string;
  content: string;
  weight?: number;
  /** The message makes a tool or function call (a non-empty `tool_calls`, or a `function_call`): it needs no text. */
  calls?: true;
  /**
   * The message as written, when it has keys OpenAI bills beyond role and content (a `name`, a
   * `tool_call_id`, a call): rare, so counting them costs other rows nothing.
   */
  written?: Record<string, unknown>;
}

/** A row read into the common shape: its messages, row-level weight, and other fields. */
export interface ChatRow {
  format: Format;
  messages: ChatMessage[];
  weight: number | null;
  meta: Record<string, unknown>;
  /** An OpenAI or Unsloth row's tool definitions (`tools`, then legacy `functions`), when it has any: billed with the row. */
  tools?: unknown[];
  /** An OpenAI or Unsloth row's image parts (`{type: 'image_url', image_url: {url}}`), in any message, when it has any: billed with the row (images.ts). */
  images?: ImagePart[];
}

const SHAREGPT_ROLES: Record<string, string> = {
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  chatgpt: 'assistant',
  bing: 'assistant',
  bard: 'assistant',
  model: 'assistant',
  system: 'system',
  tool: 'tool',
  function: 'tool',
  observation: 'tool',
};

/** The format of one parsed JSON value, or null when it is none of them. */
export function detectFormat(value: unknown): Format | null {
  if (!isRecord(value)) return null;
  if (Array.isArray(value.messages)) {
    return Object.keys(value).every((k) => k === 'messages' || k === 'tools' || k === 'functions' || k === 'parallel_tool_calls')
      ? 'openai'
      : 'unsloth';
  }
  if (Array.isArray(value.conversations)) return 'sharegpt';
  if (typeof value.instruction === 'string' && typeof value.output === 'string') return 'alpaca';
  return null;
}

/**
 * Reads a parsed row into the common chat shape. Lenient on purpose: the audit counts what is
 * wrong with a row rather than refusing it; `null` only when there is no message list at all.
 */
export function toChatRow(value: unknown): ChatRow | null {
  const format = detectFormat(value);
  if (!format || !isRecord(value)) return null;
  switch (format) {
    case 'openai':
    case 'unsloth': {
      const { messages, weight, ...meta } = value;
      const images: ImagePart[] = [];
      const row: ChatRow = {
        format,
        messages: (messages as unknown[]).map((message) => readMessage(message, images)),
        weight: typeof weight === 'number' ? weight : null,
        meta: format === 'openai' ? {} : meta,
      };
      if (images.length > 0) row.images = images;
      if (value.tools !== undefined || value.functions !== undefined) {
        const tools = [...(Array.isArray(value.tools) ? value.tools : []), ...(Array.isArray(value.functions) ? value.functions : [])];
        if (tools.length > 0) row.tools = tools;
      }
      return row;
    }
    case 'sharegpt': {
      const { conversations, system, weight, ...meta } = value;
      const turns = (conversations as unknown[]).map((turn) => {
        const t = isRecord(turn) ? turn : {};
        const from = typeof t.from === 'string' ? t.from.toLowerCase() : '';
        return { role: SHAREGPT_ROLES[from] ?? from, content: typeof t.value === 'string' ? t.value : '' };
      });
      const messages = typeof system === 'string' && system ? [{ role: 'system', content: system }, ...turns] : turns;
      return { format, messages, weight: typeof weight === 'number' ? weight : null, meta };
    }
    case 'alpaca': {
      const { instruction, input, output, system, weight, ...meta } = value;
      const user = typeof input === 'string' && input.trim() ? `${String(instruction)}\n\n${input}` : String(instruction);
      const messages: ChatMessage[] = [
        ...(typeof system === 'string' && system ? [{ role: 'system', content: system }] : []),
        { role: 'user', content: user },
        { role: 'assistant', content: String(output) },
      ];
      return { format, messages, weight: typeof weight === 'number' ? weight : null, meta };
    }
  }
}

/** The OpenAI cookbook's format error names, in its order. */
export const COOKBOOK_ERRORS = [
  'data_type',
  'missing_messages_list',
  'message_missing_key',
  'message_unrecognized_key',
  'unrecognized_role',
  'missing_content',
  'example_missing_assistant_message',
] as const;
/** One of the cookbook's format errors. */
export type CookbookError = (typeof COOKBOOK_ERRORS)[number];

/**
 * A format error of `validate`: the cookbook's, a content part OpenAI's fine-tuning does not
 * take (a part of another type or shape), an image outside a user message, and a call or a
 * tool's result in a shape it does not take.
 */
export type OpenAIFormatError = CookbookError | 'invalid_content_part' | 'image_outside_user' | 'invalid_tool_call';

/**
 * The OpenAI cookbook's format errors for one row (`data_type`, `missing_messages_list`,
 * `message_missing_key`, `message_unrecognized_key`, `unrecognized_role`, `missing_content`,
 * `example_missing_assistant_message`), each reported once per row. What the audit counts, as
 * the cookbook's script does: it flags some rows OpenAI accepts (see `openaiFormatErrors`).
 */
export function cookbookErrors(value: unknown): CookbookError[] {
  return formatErrors(value, false) as CookbookError[];
}

/**
 * The cookbook's format errors as OpenAI's fine-tuning API applies them (what `validate`
 * checks): it also accepts content given as a list of parts (text parts; image parts in user
 * messages, for vision fine-tuning) and a message that makes a call without content (no
 * `content` key, or null). A part OpenAI does not take is `invalid_content_part`, an image in a
 * message other than the user's `image_outside_user`; a call without
 * its id, type or function's name and arguments, or a tool's result that answers no call made
 * before it, is `invalid_tool_call`.
 */
export function openaiFormatErrors(value: unknown): OpenAIFormatError[] {
  return formatErrors(value, true);
}

function formatErrors(value: unknown, asOpenAI: boolean): OpenAIFormatError[] {
  if (!isRecord(value)) return ['data_type'];
  const messages = value.messages;
  if (!Array.isArray(messages) || messages.length === 0) return ['missing_messages_list'];
  const errors = new Set<OpenAIFormatError>();
  let assistant = false;
  const callIds = new Set<unknown>();
  for (const message of messages) {
    if (!isRecord(message)) {
      errors.add('message_missing_key');
      continue;
    }
    if (!('role' in message) || (!('content' in message) && !(asOpenAI && makesCall(message)))) errors.add('message_missing_key');
    if (Object.keys(message).some((k) => !MESSAGE_KEYS.has(k))) errors.add('message_unrecognized_key');
    if (!(CHAT_ROLES as readonly unknown[]).includes(message.role)) errors.add('unrecognized_role');
    if (asOpenAI && Array.isArray(message.content)) {
      const parts = readParts(message.content, message.role === 'user', errors);
      if (parts === 'empty' && !makesCall(message)) errors.add('missing_content');
    } else if ((typeof message.content !== 'string' || message.content === '') && !makesCall(message)) {
      errors.add('missing_content');
    }
    if (asOpenAI && !callsWellFormed(message, callIds)) errors.add('invalid_tool_call');
    if (message.role === 'assistant') assistant = true;
  }
  if (!assistant) errors.add('example_missing_assistant_message');
  return [...errors];
}

/**
 * Whether a message's calls and tool result are in the shapes OpenAI takes: each of `tool_calls`
 * `{id, type: 'function', function: {name, arguments}}` (strings), a `function_call`
 * `{name, arguments}`, a tool's result with the `tool_call_id` of a call before it (`callIds`,
 * which this adds the message's calls to).
 */
function callsWellFormed(message: Record<string, unknown>, callIds: Set<unknown>): boolean {
  const isFunction = (f: unknown) => isRecord(f) && typeof f.name === 'string' && f.name !== '' && typeof f.arguments === 'string';
  if (message.tool_calls !== undefined) {
    if (!Array.isArray(message.tool_calls)) return false;
    for (const call of message.tool_calls) {
      if (!isRecord(call) || typeof call.id !== 'string' || call.id === '' || call.type !== 'function' || !isFunction(call.function)) return false;
      callIds.add(call.id);
    }
  }
  if (message.function_call !== undefined && !isFunction(message.function_call)) return false;
  return message.role !== 'tool' || callIds.has(message.tool_call_id);
}

const DETAILS = new Set([undefined, 'low', 'high', 'auto']);

/**
 * Content parts as OpenAI's fine-tuning takes them: `{type: 'text', text}` in any message,
 * `{type: 'image_url', image_url: {url, detail?}}` (detail low, high or auto) only in a user
 * message (the model never writes an image: `image_outside_user`). Another part is
 * `invalid_content_part`. `empty` when every part is a text part and none has text.
 */
function readParts(parts: readonly unknown[], user: boolean, errors: Set<OpenAIFormatError>): 'empty' | 'ok' {
  let some = false;
  for (const part of parts) {
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') some ||= part.text !== '';
    else if (isRecord(part) && part.type === 'image_url' && isRecord(part.image_url) && typeof part.image_url.url === 'string' && DETAILS.has(part.image_url.detail as string)) {
      some = true;
      if (!user) errors.add('image_outside_user');
    } else {
      errors.add('invalid_content_part');
      some = true; // content, of a kind OpenAI does not take: that, not missing content
    }
  }
  return some ? 'ok' : 'empty';
}

/** One message in the common shape; its image parts, if any, are added to `images`. */
function readMessage(message: unknown, images: ImagePart[]): ChatMessage {
  if (!isRecord(message)) return { role: '', content: '' };
  const content = typeof message.content === 'string' ? message.content : textOfParts(message.content, images);
  const out: ChatMessage = { role: typeof message.role === 'string' ? message.role : '', content };
  if (typeof message.weight === 'number') out.weight = message.weight;
  const calls = makesCall(message);
  if (calls) out.calls = true;
  // Kept when it has billed keys (BILLED_MESSAGE_KEYS): two more lookups a message, nothing else, for rows without them.
  if (calls || message.name !== undefined || message.tool_call_id !== undefined) out.written = message;
  return out;
}

/** A non-empty `tool_calls` list or a `function_call` object: what OpenAI accepts in place of an assistant's content. */
export function makesCall(message: Record<string, unknown>): boolean {
  const tools = message.tool_calls;
  return (Array.isArray(tools) && tools.length > 0) || isRecord(message.function_call);
}

/**
 * Content given as parts (`[{type: 'text', text}]`) reads as their text joined, so its tokens
 * are the texts'. An image part adds no text: it goes to `images`, and the row's images
 * are billed by their pixel size and `detail` (images.ts), known for base64 data URLs only.
 */
function textOfParts(content: unknown, images: ImagePart[]): string {
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (!isRecord(part)) continue;
    if (typeof part.text === 'string') text += part.text;
    else if (part.type === 'image_url' && isRecord(part.image_url) && typeof part.image_url.url === 'string') {
      images.push(part.image_url.detail === undefined ? { url: part.image_url.url } : { url: part.image_url.url, detail: part.image_url.detail });
    }
  }
  return text;
}

/** A plain object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The arguments of a message's calls that are strings (`tool_calls[].function.arguments`,
 * `function_call.arguments`): text the model wrote, where `mapRowTexts` reaches too (so the
 * audit looks for PII where scrub replaces it).
 */
export function callArguments(message: Record<string, unknown>): string[] {
  const found: string[] = [];
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) if (isRecord(call) && isRecord(call.function) && typeof call.function.arguments === 'string') found.push(call.function.arguments);
  }
  if (isRecord(message.function_call) && typeof message.function_call.arguments === 'string') found.push(message.function_call.arguments);
  return found;
}

/**
 * A copy of a row with every message text passed through `fn`, in its own format: OpenAI and
 * Unsloth `content` (strings or text parts), ShareGPT `value` and `system`, Alpaca
 * `instruction`, `input`, `output` and `system`; and a call's arguments (`callArguments`). Every
 * other field is kept as it was.
 */
export function mapRowTexts(value: unknown, fn: (text: string) => string): unknown {
  const format = detectFormat(value);
  if (!format || !isRecord(value)) return value;
  const text = (v: unknown) => (typeof v === 'string' ? fn(v) : v);
  switch (format) {
    case 'openai':
    case 'unsloth':
      return {
        ...value,
        messages: (value.messages as unknown[]).map((m) => {
          if (!isRecord(m)) return m;
          const content = Array.isArray(m.content)
            ? m.content.map((part) => (isRecord(part) && typeof part.text === 'string' ? { ...part, text: fn(part.text) } : part))
            : text(m.content);
          // A call's arguments are text the model wrote too (JSON in a string: the placeholders keep it JSON).
          const call = (c: unknown) => (isRecord(c) && typeof c.arguments === 'string' ? { ...c, arguments: fn(c.arguments) } : c);
          return {
            ...m,
            content,
            ...(Array.isArray(m.tool_calls) ? { tool_calls: m.tool_calls.map((c) => (isRecord(c) && isRecord(c.function) ? { ...c, function: call(c.function) } : c)) } : {}),
            ...(isRecord(m.function_call) ? { function_call: call(m.function_call) } : {}),
          };
        }),
      };
    case 'sharegpt':
      return {
        ...value,
        ...('system' in value ? { system: text(value.system) } : {}),
        conversations: (value.conversations as unknown[]).map((t) => (isRecord(t) ? { ...t, value: text(t.value) } : t)),
      };
    case 'alpaca': {
      const out: Record<string, unknown> = { ...value };
      for (const key of ['instruction', 'input', 'output', 'system']) if (key in out) out[key] = text(out[key]);
      return out;
    }
  }
}
