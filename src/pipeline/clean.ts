import { hasAlternationViolation, hasEmptyAssistant, lacksFinalPunctuation, rowTokens, rowWeights } from './audit/checks.ts';
import { messagesHash } from './canonical.ts';
import { PipelineError } from './errors.ts';
import { cookbookErrors } from './formats.ts';
import type { ChatRow } from './formats.ts';
import { HashIndex } from './hash-index.ts';
import { fineTuneModel } from './models.ts';
import type { FineTuneModels } from './models.ts';
import { withOutputs } from './output.ts';
import type { AttachedFile, OutputSummary } from './output.ts';
import { messagesHavePii } from './pii.ts';
import { readRows } from './rows.ts';
import type { RowProgress, SourceRow } from './rows.ts';
import { TokenCounter } from './tokens.ts';

/** The rules `clean` can drop rows by, in the order they are checked. */
export const CLEAN_RULES = ['parse', 'format', 'empty-assistant', 'alternation', 'no-final-punct', 'weight', 'pii', 'over-context', 'exact-duplicate'] as const;
/** One of the drop rules. */
export type CleanRule = (typeof CLEAN_RULES)[number];
/** What `clean` drops when not told: rows that cannot be trained on as they are. */
export const DEFAULT_DROP: readonly CleanRule[] = ['parse', 'empty-assistant', 'alternation'];

/** How to clean; only `out` and `drop` matter for most runs. */
export interface CleanOptions {
  out: string;
  drop?: readonly CleanRule[];
  weightRange?: readonly [number, number];
  /** For `over-context`: the model whose context limit applies. */
  model?: string;
  /** Fine-tuning models the configuration adds or changes. */
  models?: FineTuneModels;
  names?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (progress: RowProgress) => void;
  /**
   * Work that is part of the run but needs OUT complete, such as an audit of it and a manifest:
   * called with the result and the finished output (a temp file, `staged`) before anything is
   * renamed into place. The files it returns are committed with OUT; a cancel or an error in it
   * leaves the previous OUT and files.
   */
  beforeCommit?: (result: CleanResult, staged: string) => Promise<readonly AttachedFile[]>;
}

/** A dropped row: where it was and every rule it broke. */
export interface DroppedRow {
  source: string;
  line: number;
  reasons: CleanRule[];
}

/** What a clean did, per source and in total, with every dropped row. */
export interface CleanResult {
  drop: CleanRule[];
  sources: Array<{ path: string; sha256: string; lines: number; blank: number; rows: number; kept: number; dropped: number }>;
  output: OutputSummary;
  dropped_by_rule: Record<CleanRule, number>;
  dropped: DroppedRow[];
}

/** Reads a comma-separated rule list; INVALID_ARGUMENT naming the unknown ones and the known. */
export function parseRules(names: readonly string[]): CleanRule[] {
  const rules = names.flatMap((n) => n.split(',')).map((n) => n.trim()).filter(Boolean);
  const unknown = rules.filter((r) => !(CLEAN_RULES as readonly string[]).includes(r));
  if (unknown.length) throw new PipelineError('INVALID_ARGUMENT', `unknown drop rule ${unknown.map((u) => `"${u}"`).join(', ')}; known: ${CLEAN_RULES.join(', ')}`);
  return [...new Set(rules)] as CleanRule[];
}

/**
 * Concatenates the sources into `out`, dropping rows by the named rules. Kept rows are copied
 * as written; blank lines are left out and counted. The output (with the files `beforeCommit`
 * gives) is written all or nothing: a run cancelled before it returns leaves the previous files.
 */
export async function cleanFiles(paths: readonly string[], options: CleanOptions): Promise<CleanResult> {
  const drop = [...(options.drop ?? DEFAULT_DROP)];
  const enabled = new Set(drop);
  const names = options.names ?? paths;
  const check = ruleChecks(enabled, options);
  const sources = names.map((path) => ({ path, sha256: '', lines: 0, blank: 0, rows: 0, kept: 0, dropped: 0 }));
  const byRule = Object.fromEntries(CLEAN_RULES.map((r) => [r, 0])) as Record<CleanRule, number>;
  const dropped: DroppedRow[] = [];
  const { result } = await withOutputs(async ({ open, attach }) => {
    const out = open(options.out);
    const onSha256 = (source: number, sha256: string) => (sources[source]!.sha256 = sha256);
    for await (const row of readRows(paths, { signal: options.signal, onProgress: options.onProgress, onSha256 })) {
      const tally = sources[row.source]!;
      tally.lines++;
      if (row.issue === 'blank') {
        tally.blank++;
        continue;
      }
      tally.rows++;
      const reasons = check(row);
      if (reasons.length === 0) {
        tally.kept++;
        out.write(row.text);
        continue;
      }
      tally.dropped++;
      for (const reason of reasons) byRule[reason]++;
      dropped.push({ source: names[row.source]!, line: row.line, reasons });
    }
    const result: CleanResult = { drop, sources, output: out.seal(), dropped_by_rule: byRule, dropped };
    for (const file of (await options.beforeCommit?.(result, out.stagedPath)) ?? []) attach(file.path, file.text);
    return result;
  }, { signal: options.signal });
  return result;
}

/** The enabled rules as one function from a row to the rules it breaks. */
function ruleChecks(enabled: ReadonlySet<CleanRule>, options: CleanOptions): (row: SourceRow) => CleanRule[] {
  const [low, high] = options.weightRange ?? [0, 1];
  const modelName = options.model ?? 'gpt-4o-mini';
  const model = fineTuneModel(modelName, options.models);
  if (enabled.has('over-context') && !model) throw new PipelineError('INVALID_ARGUMENT', `unknown model "${modelName}" for over-context`);
  const counter = enabled.has('over-context') ? new TokenCounter(model!.encoding) : null;
  const seen = enabled.has('exact-duplicate') ? new HashIndex() : null;
  let rowNumber = 0;
  const rules: Array<[CleanRule, (chat: ChatRow, value: unknown) => boolean]> = [
    ['format', (chat, value) => cookbookErrors(chat.format === 'openai' || chat.format === 'unsloth' ? value : { messages: chat.messages }).length > 0],
    ['empty-assistant', (chat) => hasEmptyAssistant(chat.messages)],
    ['alternation', (chat) => hasAlternationViolation(chat.messages)],
    ['no-final-punct', (chat) => lacksFinalPunctuation(chat.messages)],
    ['weight', (chat) => rowWeights(chat.weight, chat.messages).some((w) => !(w >= low && w <= high))],
    ['pii', (chat) => messagesHavePii(chat.messages)],
    ['over-context', (chat) => rowTokens(chat, counter!) > model!.contextLimit],
  ];
  const active = rules.filter(([rule]) => enabled.has(rule));
  return (row) => {
    rowNumber++;
    if (!row.chat) return enabled.has('parse') ? ['parse'] : [];
    const chat = row.chat;
    const broken = active.filter(([, breaks]) => breaks(chat, row.value)).map(([rule]) => rule);
    // Only a row that is kept counts as the first occurrence: a duplicate of a dropped row stays.
    if (seen && broken.length === 0) {
      const [hi, lo] = messagesHash(row.value, chat);
      if (seen.add(hi, lo, rowNumber) !== -1) broken.push('exact-duplicate');
    }
    return broken;
  };
}
