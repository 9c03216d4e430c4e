import { sha256File } from './digest.ts';
import { AlpacaRow, CHAT_ROLES, OpenAIRow, ShareGptRow, UnslothRow } from './formats.ts';
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

const SHAREGPT_FROM: Record<string, string> = { user: 'human', assistant: 'gpt', system: 'system', tool: 'tool' };

/** One row in the target format, with what it lost; or the reason it cannot be converted. */
type Converted = { row: unknown; lost: string[] } | { skip: string };

/**
 * Converts every row to one format. Unsloth → OpenAI strips the row `weight` and metadata
 * (OpenAI rejects both) and message weights other than 0/1 on assistant turns; every such loss
 * is counted. A row that cannot be converted (multi-turn to Alpaca, an unknown role for OpenAI)
 * is skipped and listed. Output rows are checked against the target's schema.
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
    for await (const row of readRows([path], { signal: options.signal, onProgress: options.onProgress })) {
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
      const result = convertRow(row.chat, options.to);
      if ('skip' in result) {
        skip(row.line, result.skip);
        continue;
      }
      for (const what of new Set(result.lost)) dropped[what] = (dropped[what] ?? 0) + 1;
      converted++;
      out.write(JSON.stringify(result.row));
    }
    const input = { sha256: await sha256File(path, options.signal), lines, rows, formats };
    return { to: options.to, input, output: out.seal(), converted, skipped, dropped };
  }, { signal: options.signal });
  return report;
}

/** Converts one row read into the chat shape to the target format. */
export function convertRow(chat: ChatRow, to: Format): Converted {
  const lost = Object.keys(chat.meta).map((key) => `metadata field ${key}`);
  switch (to) {
    case 'openai': {
      const unknown = chat.messages.find((m) => !(CHAT_ROLES as readonly string[]).includes(m.role));
      if (unknown) return { skip: `role "${unknown.role}" is not an OpenAI role` };
      if (chat.weight !== null) lost.push('row weight');
      const messages = chat.messages.map(({ role, content, weight }) => {
        const keepWeight = weight !== undefined && role === 'assistant' && (weight === 0 || weight === 1);
        if (weight !== undefined && !keepWeight) lost.push('message weight other than 0/1 on an assistant turn');
        return keepWeight ? { role, content, weight } : { role, content };
      });
      return checked(OpenAIRow, { messages }, lost);
    }
    case 'unsloth': {
      const row = { messages: chat.messages.map(({ role, content, weight }) => (weight === undefined ? { role, content } : { role, content, weight })), ...chat.meta, ...(chat.weight !== null ? { weight: chat.weight } : {}) };
      return checked(UnslothRow, row, []);
    }
    case 'sharegpt': {
      if (chat.messages.some((m) => m.weight !== undefined)) lost.push('message weights');
      const conversations = chat.messages.map(({ role, content }) => ({ from: SHAREGPT_FROM[role] ?? role, value: content }));
      return checked(ShareGptRow, { conversations, ...chat.meta, ...(chat.weight !== null ? { weight: chat.weight } : {}) }, lost.filter((l) => !l.startsWith('metadata')));
    }
    case 'alpaca': {
      const system = chat.messages.filter((m) => m.role === 'system' || m.role === 'developer');
      const turns = chat.messages.filter((m) => m.role !== 'system' && m.role !== 'developer');
      if (turns.length !== 2 || turns[0]!.role !== 'user' || turns[1]!.role !== 'assistant') {
        return { skip: 'Alpaca holds one user turn and one assistant reply; this row has other turns' };
      }
      if (system.length > 1) lost.push('system messages after the first (Alpaca has one system field)');
      if (chat.messages.some((m) => m.weight !== undefined)) lost.push('message weights');
      const row = {
        instruction: turns[0]!.content,
        input: '',
        output: turns[1]!.content,
        ...(system[0] ? { system: system[0].content } : {}),
        ...chat.meta,
        ...(chat.weight !== null ? { weight: chat.weight } : {}),
      };
      return checked(AlpacaRow, row, lost.filter((l) => !l.startsWith('metadata')));
    }
  }
}

function checked(schema: { safeParse(value: unknown): { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, row: unknown, lost: string[]): Converted {
  const result = schema.safeParse(row);
  if (result.success) return { row, lost };
  const issue = result.error?.issues[0];
  return { skip: `does not fit the target format: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}` };
}
