import { AlpacaRow, CHAT_ROLES, isRecord, OpenAIMessage, OpenAIRow, ShareGptRow, UnslothRow } from './formats.ts';
import type { ChatRow, Format } from './formats.ts';
import { withOutputs } from './output.ts';
import type { OutputSummary } from './output.ts';
import { readRows } from './rows.ts';
import type { RowProgress } from './rows.ts';

/** How to convert. */
export interface ConvertOptions {
  out: string;
  to: Format;
  /** How many skipped rows to list (the count is always exact). */
  keep?: number;
  signal?: AbortSignal;
  onProgress?: (progress: RowProgress) => void;
}

/** What a conversion wrote, skipped and dropped. */
export interface ConvertResult {
  to: Format;
  input: { sha256: string; lines: number; rows: number; formats: Partial<Record<Format, number>> };
  output: OutputSummary;
  converted: number;
  skipped: { count: number; first: Array<{ line: number; reason: string }> };
  /** What lossy conversions left out, with the number of rows each affected. */
  dropped: Record<string, number>;
}

const TARGET_SCHEMAS = { openai: OpenAIRow, unsloth: UnslothRow, sharegpt: ShareGptRow, alpaca: AlpacaRow } as const;

/** What OpenAI's fine-tuning takes in a message, and beside `messages` in a row (its schemas say). */
const OPENAI_MESSAGE_FIELDS: ReadonlySet<string> = new Set(Object.keys(OpenAIMessage.shape));
const OPENAI_ROW_FIELDS: ReadonlySet<string> = new Set(Object.keys(OpenAIRow.shape).filter((key) => key !== 'messages'));

const SHAREGPT_FROM: Record<string, string> = { user: 'human', assistant: 'gpt', system: 'system', tool: 'tool' };

/** One row in the target format, with what it lost; or the reason it cannot be converted. */
type Converted = { row: unknown; lost: string[] } | { skip: string };

/**
 * Converts every row to one format. Unsloth → OpenAI strips the row `weight` and metadata
 * (OpenAI rejects both) and message weights other than 0/1 on assistant turns, and keeps every
 * other message field OpenAI takes (content parts, name, tool calls) and the row's `tools`;
 * ShareGPT and Alpaca hold only texts, so tool calls, names, non-text parts and message weights
 * are lost. Every loss is counted by the rows it touched. A row that cannot be converted
 * (multi-turn to Alpaca, an unknown role for OpenAI) is skipped and listed. Output rows are
 * checked against the target's schema.
 */
export async function convertFile(path: string, options: ConvertOptions): Promise<ConvertResult> {
  const keep = options.keep ?? 20;
  const formats: Partial<Record<Format, number>> = {};
  const dropped: Record<string, number> = {};
  const skipped: ConvertResult['skipped'] = { count: 0, first: [] };
  let lines = 0;
  let rows = 0;
  let converted = 0;
  const skip = (line: number, reason: string) => {
    skipped.count++;
    if (skipped.first.length < keep) skipped.first.push({ line, reason });
  };
  const { result: report } = await withOutputs(async ({ open }) => {
    const out = open(options.out);
    let sha256 = '';
    for await (const row of readRows([path], { signal: options.signal, onProgress: options.onProgress, onSha256: (_, hex) => (sha256 = hex) })) {
      lines++;
      if (row.issue === 'blank') continue;
      rows++;
      if (!row.chat) {
        skip(row.line, row.value === undefined ? 'not JSON' : 'no message list');
        continue;
      }
      formats[row.chat.format] = (formats[row.chat.format] ?? 0) + 1;
      // A row already in the target format, and valid in it, is copied as written.
      if (row.chat.format === options.to && TARGET_SCHEMAS[options.to].safeParse(row.value).success) {
        converted++;
        out.write(row.text);
        continue;
      }
      const result = convertRow({ chat: row.chat, value: row.value }, options.to);
      if ('skip' in result) {
        skip(row.line, result.skip);
        continue;
      }
      for (const what of new Set(result.lost)) dropped[what] = (dropped[what] ?? 0) + 1;
      converted++;
      out.write(JSON.stringify(result.row));
    }
    const input = { sha256, lines, rows, formats };
    return { to: options.to, input, output: out.seal(), converted, skipped, dropped };
  }, { signal: options.signal });
  return report;
}

/**
 * Converts one row to the target format. OpenAI and Unsloth rows are converted from their
 * messages and fields as written (`value`): the chat shape keeps only roles, texts and weights.
 */
export function convertRow(row: { chat: ChatRow; value: unknown }, to: Format): Converted {
  const { chat } = row;
  const written = (chat.format === 'openai' || chat.format === 'unsloth') && isRecord(row.value) ? row.value : null;
  const lost = chat.format === 'sharegpt' ? turnFieldsLost(row.value) : [];
  switch (to) {
    case 'openai': {
      const unknown = chat.messages.find((m) => !(CHAT_ROLES as readonly string[]).includes(m.role));
      if (unknown) return { skip: `role "${unknown.role}" is not an OpenAI role` };
      if (written) return toOpenAI(written);
      lost.push(...Object.keys(chat.meta).map((key) => `metadata field ${key}`));
      if (chat.weight !== null) lost.push('row weight');
      return checked(OpenAIRow, { messages: chat.messages.map(({ role, content }) => ({ role, content })) }, lost);
    }
    case 'unsloth': {
      // Unsloth rows hold whatever OpenAI rows hold: one as written either fits or is skipped with the reason.
      if (written) return checked(UnslothRow, written, []);
      return checked(UnslothRow, { messages: chat.messages.map(({ role, content }) => ({ role, content })), ...chat.meta, ...weightOf(chat) }, lost);
    }
    case 'sharegpt': {
      if (written) lost.push(...textOnlyLosses(written.messages as unknown[]));
      const conversations = chat.messages.map(({ role, content }) => ({ from: SHAREGPT_FROM[role] ?? role, value: content }));
      return checked(ShareGptRow, { conversations, ...rowFields(chat, written) }, lost);
    }
    case 'alpaca': {
      const system = chat.messages.filter((m) => m.role === 'system' || m.role === 'developer');
      const turns = chat.messages.filter((m) => m.role !== 'system' && m.role !== 'developer');
      if (turns.length !== 2 || turns[0]!.role !== 'user' || turns[1]!.role !== 'assistant') {
        return { skip: 'Alpaca holds one user turn and one assistant reply; this row has other turns' };
      }
      if (system.length > 1) lost.push('system messages after the first (Alpaca has one system field)');
      if (written) lost.push(...textOnlyLosses(written.messages as unknown[]));
      const out = {
        instruction: turns[0]!.content,
        input: '',
        output: turns[1]!.content,
        ...(system[0] ? { system: system[0].content } : {}),
        ...rowFields(chat, written),
      };
      return checked(AlpacaRow, out, lost);
    }
  }
}

/**
 * An OpenAI or Unsloth row as OpenAI takes it: each message keeps the fields OpenAI accepts
 * (weights only 0/1 on assistant turns), the row keeps `tools`, `functions` and
 * `parallel_tool_calls`; the row weight, metadata and any other message field are lost.
 */
function toOpenAI(written: Record<string, unknown>): Converted {
  const lost: string[] = [];
  const messages = (written.messages as unknown[]).map((message) => {
    if (!isRecord(message)) return message;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(message)) {
      if (key === 'weight' && !(message.role === 'assistant' && (value === 0 || value === 1))) lost.push('message weight other than 0/1 on an assistant turn');
      else if (OPENAI_MESSAGE_FIELDS.has(key)) out[key] = value;
      else lost.push(`message field ${key}`);
    }
    return out;
  });
  const row: Record<string, unknown> = { messages };
  for (const [key, value] of Object.entries(written)) {
    if (key === 'messages') continue;
    if (key === 'weight') lost.push('row weight');
    else if (OPENAI_ROW_FIELDS.has(key)) row[key] = value;
    else lost.push(`metadata field ${key}`);
  }
  return checked(OpenAIRow, row, lost);
}

/**
 * What ShareGPT and Alpaca, which hold one text a turn, cannot keep of OpenAI messages: every
 * field but role and content (name, tool calls, weights, …), parts other than text, the
 * boundaries of several text parts (joined into one text), and content that is no text at all.
 */
function textOnlyLosses(messages: readonly unknown[]): string[] {
  const lost: string[] = [];
  for (const message of messages) {
    if (!isRecord(message)) continue;
    for (const key of Object.keys(message)) if (key !== 'role' && key !== 'content') lost.push(`message field ${key}`);
    const { content } = message;
    if (!Array.isArray(content)) {
      if (content !== undefined && content !== null && typeof content !== 'string') lost.push('message content that is neither text nor parts');
      continue;
    }
    let texts = 0;
    for (const part of content) {
      if (isRecord(part) && part.type === 'text') texts++;
      else lost.push(`content part ${isRecord(part) && typeof part.type === 'string' ? part.type : 'without a type'}`);
    }
    if (texts > 1) lost.push('content text parts joined into one text');
  }
  return lost;
}

/** ShareGPT turns are read as `from` and `value`: any other field of a turn is lost. */
function turnFieldsLost(value: unknown): string[] {
  const turns = isRecord(value) && Array.isArray(value.conversations) ? value.conversations : [];
  return turns.flatMap((turn) => (isRecord(turn) ? Object.keys(turn).filter((key) => key !== 'from' && key !== 'value').map((key) => `turn field ${key}`) : []));
}

/** The fields beside the messages, kept by ShareGPT and Alpaca rows: metadata (an OpenAI row's `tools`), then the weight. */
function rowFields(chat: ChatRow, written: Record<string, unknown> | null): Record<string, unknown> {
  if (!written) return { ...chat.meta, ...weightOf(chat) };
  const fields = Object.fromEntries(Object.entries(written).filter(([key]) => key !== 'messages' && key !== 'weight'));
  return 'weight' in written ? { ...fields, weight: written.weight } : fields;
}

function weightOf(chat: ChatRow): { weight?: number } {
  return chat.weight !== null ? { weight: chat.weight } : {};
}

function checked(schema: { safeParse(value: unknown): { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, row: unknown, lost: string[]): Converted {
  const result = schema.safeParse(row);
  if (result.success) return { row, lost };
  const issue = result.error?.issues[0];
  return { skip: `does not fit the target format: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}` };
}
