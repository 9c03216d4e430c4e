import { callArguments, cookbookErrors, toChatRow } from '../chat-rows.ts';
import type { ChatMessage, ChatRow } from '../chat-rows.ts';
import { imagesTokens } from '../images.ts';
import type { JsonlLine } from '../jsonl.ts';
import { scanPii } from '../pii.ts';
import { decodedIfNeeded, decodeUtf8, utf8Bytes } from '../utf8.ts';
import type { TokenCounter } from '../tokens.ts';
import { hasAlternationViolation, hasEmptyAssistant, lacksFinalPunctuation, messageTokens, ROW_TOKENS_BASE, rowWeights } from './checks.ts';
import { messageKeyTokens, toolsTokens } from './tool-tokens.ts';
import type { CountName } from './report.ts';
import { NumberStats, Occurrences, TOKEN_EDGES, TURN_EDGES, ValueCounts, WEIGHT_EDGES, WORD_EDGES } from './stats.ts';
import type { NumberStatsData, Place } from './stats.ts';

/** What the audit checks against: the allowed weight range, the metadata field, the model's limits. */
export interface AuditSettings {
  weightRange: readonly [number, number];
  field: string;
  contextLimit: number;
  /** How many first lines to keep per finding. */
  keep: number;
}

type CountsData = { counts: Array<[string, number]>; other: number };

/** An accumulator's tallies as plain data (structured-clonable). */
export interface AccumulatorSnapshot {
  lines: number;
  rows: number;
  totalTokens: number;
  billedTokens: number;
  imagesByUrl: number;
  rowsWithField: number;
  rowsWithWeight: number;
  counts: Array<[CountName, { count: number; first: Place[] }]>;
  formats: CountsData;
  weightStats: NumberStatsData;
  weightValues: CountsData;
  words: Array<[string, NumberStatsData]>;
  tokens: Array<[string, NumberStatsData]>;
  turns: NumberStatsData;
  rowTokens: NumberStatsData;
  fieldValues: CountsData;
}

/**
 * Called for every row that parsed, for duplicate detection by the caller: the JSON value and
 * the row read from it, their strings held as bytes when `utf8` (see utf8.ts; roles decoded).
 */
export type RowSink = (row: { source: number; line: number; value: unknown; chat: ChatRow; utf8: boolean }) => void;


const ROLES_REMEMBERED = 64;

/**
 * The audit's running tallies over a stream of lines. One pass; memory bounded by the number
 * of distinct roles and field values (both capped), never by the number of rows.
 */
export class AuditAccumulator {
  lines = 0;
  rows = 0;
  totalTokens = 0;
  billedTokens = 0;
  /** Images by http(s) URL whose tokens are unknown (never fetched): `totalTokens` is a lower bound when there are any. */
  imagesByUrl = 0;
  readonly counts = new Map<CountName, Occurrences>();
  readonly formats = new ValueCounts(8);
  readonly weightStats = new NumberStats(WEIGHT_EDGES);
  readonly weightValues = new ValueCounts(1000);
  readonly words = new Map<string, NumberStats>();
  readonly tokens = new Map<string, NumberStats>();
  readonly turns = new NumberStats(TURN_EDGES);
  readonly rowTokens = new NumberStats(TOKEN_EDGES);
  readonly fieldValues = new ValueCounts(200);
  rowsWithField = 0;
  rowsWithWeight = 0;

  /** The metadata field's name as its bytes, to look it up in a row read as bytes. */
  readonly #fieldBytes: string;
  /** Each role's tokens, counted once (roles are a handful; counting one was a native call a message). */
  readonly #roles = new Map<string, number>();
  readonly #roleCounter = {
    count: (role: string): number => {
      let tokens = this.#roles.get(role);
      if (tokens === undefined) {
        tokens = this.counter.count(role);
        if (this.#roles.size < ROLES_REMEMBERED) this.#roles.set(role, tokens);
      }
      return tokens;
    },
  };

  /** The kinds of PII found in the row being measured. */
  readonly #pii = { email: false, phone: false, ip: false };
  readonly #countText = (text: string): number => this.counter.count(text);
  readonly #countBytes = (bytes: string): number => this.counter.measureUtf8(bytes).tokens;

  constructor(
    private readonly settings: AuditSettings,
    private readonly counter: TokenCounter,
  ) {
    this.#fieldBytes = utf8Bytes(settings.field);
  }

  /** Tallies one line of a source. */
  add(source: number, line: JsonlLine, sink?: RowSink): void {
    this.lines++;
    if (line.issue === 'blank') return this.flag('blank_lines', source, line.line);
    this.rows++;
    if (line.issue === 'invalid_utf8') this.flag('invalid_utf8_lines', source, line.line);
    if (line.issue === 'truncated') {
      this.flag('truncated_lines', source, line.line);
      return this.flag('parse_errors', source, line.line);
    }
    // A row is read from the line's bytes (see utf8.ts) unless a JSON escape would put real
    // characters among them, or its format is read with string functions that need them
    // (ShareGPT roles are lower-cased, Alpaca inputs trimmed).
    let utf8 = line.latin1 === true && !line.text.includes('\\u');
    let text = line.latin1 && !utf8 ? decodedIfNeeded(line.text) : line.text;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return this.flag('parse_errors', source, line.line);
    }
    let row = toChatRow(value);
    if (utf8 && row && row.format !== 'openai' && row.format !== 'unsloth') {
      value = JSON.parse((text = decodeUtf8(text)));
      row = toChatRow(value);
      utf8 = false;
    }
    if (!row) {
      this.flag('parse_errors', source, line.line);
      for (const error of cookbookErrors(value)) this.flag(error, source, line.line);
      return;
    }
    this.formats.add(row.format);
    const errors = cookbookErrors(row.format === 'openai' || row.format === 'unsloth' ? value : { messages: row.messages });
    for (const error of errors) this.flag(error, source, line.line);

    const { messages } = row;
    if (utf8) for (const message of messages) message.role = decodedIfNeeded(message.role);
    if (hasEmptyAssistant(messages, utf8)) this.flag('empty_assistant_rows', source, line.line);
    if (hasAlternationViolation(messages)) this.flag('alternation_violation_rows', source, line.line);
    if (lacksFinalPunctuation(messages, utf8)) this.flag('no_final_punct_rows', source, line.line);
    this.checkWeights(row.weight, messages, source, line.line);
    this.measure(row, utf8, source, line.line);
    const field = row.meta[utf8 ? this.#fieldBytes : this.settings.field];
    if (field !== undefined && field !== null) {
      this.rowsWithField++;
      const value = typeof field === 'string' ? field : JSON.stringify(field);
      this.fieldValues.add(utf8 ? decodedIfNeeded(value) : value);
    }
    sink?.({ source, line: line.line, value, chat: row, utf8 });
  }

  /** Records a finding the caller determined (duplicates are found across all rows, outside). */
  flag(name: CountName, source: number, line: number): void {
    let tally = this.counts.get(name);
    if (!tally) this.counts.set(name, (tally = new Occurrences(this.settings.keep)));
    tally.add(source, line);
  }

  /** The tallies as plain data, to send from a worker thread. */
  snapshot(): AccumulatorSnapshot {
    return {
      lines: this.lines,
      rows: this.rows,
      totalTokens: this.totalTokens,
      billedTokens: this.billedTokens,
      imagesByUrl: this.imagesByUrl,
      rowsWithField: this.rowsWithField,
      rowsWithWeight: this.rowsWithWeight,
      counts: [...this.counts].map(([name, tally]) => [name, tally.toData()]),
      formats: this.formats.toData(),
      weightStats: this.weightStats.toData(),
      weightValues: this.weightValues.toData(),
      words: [...this.words].map(([role, stats]) => [role, stats.toData()]),
      tokens: [...this.tokens].map(([role, stats]) => [role, stats.toData()]),
      turns: this.turns.toData(),
      rowTokens: this.rowTokens.toData(),
      fieldValues: this.fieldValues.toData(),
    };
  }

  /** Adds the tallies of a snapshot of later input, its line numbers moved by `lineOffset`. */
  mergeSnapshot(data: AccumulatorSnapshot, lineOffset: number): void {
    const other = new AuditAccumulator(this.settings, this.counter);
    Object.assign(other, {
      lines: data.lines,
      rows: data.rows,
      totalTokens: data.totalTokens,
      billedTokens: data.billedTokens,
      imagesByUrl: data.imagesByUrl,
      rowsWithField: data.rowsWithField,
      rowsWithWeight: data.rowsWithWeight,
    });
    for (const [name, tally] of data.counts) other.counts.set(name, Occurrences.fromData(tally, this.settings.keep, lineOffset));
    other.formats.mergeData(data.formats);
    other.weightStats.merge(NumberStats.fromData(data.weightStats, this.weightStats.edges));
    other.weightValues.mergeData(data.weightValues);
    for (const [role, stats] of data.words) other.words.set(role, NumberStats.fromData(stats, WORD_EDGES));
    for (const [role, stats] of data.tokens) other.tokens.set(role, NumberStats.fromData(stats, TOKEN_EDGES));
    other.turns.merge(NumberStats.fromData(data.turns, TURN_EDGES));
    other.rowTokens.merge(NumberStats.fromData(data.rowTokens, TOKEN_EDGES));
    other.fieldValues.mergeData(data.fieldValues);
    this.merge(other);
  }

  /** Adds the tallies of an accumulator that read later input. */
  merge(other: AuditAccumulator): void {
    this.lines += other.lines;
    this.rows += other.rows;
    this.totalTokens += other.totalTokens;
    this.billedTokens += other.billedTokens;
    this.imagesByUrl += other.imagesByUrl;
    this.rowsWithField += other.rowsWithField;
    this.rowsWithWeight += other.rowsWithWeight;
    for (const [name, tally] of other.counts) {
      const mine = this.counts.get(name);
      if (mine) mine.merge(tally);
      else this.counts.set(name, Object.assign(new Occurrences(this.settings.keep), { count: tally.count, first: [...tally.first] }));
    }
    this.formats.merge(other.formats);
    this.weightStats.merge(other.weightStats);
    this.weightValues.merge(other.weightValues);
    mergeByKey(this.words, other.words, WORD_EDGES);
    mergeByKey(this.tokens, other.tokens, TOKEN_EDGES);
    this.turns.merge(other.turns);
    this.rowTokens.merge(other.rowTokens);
    this.fieldValues.merge(other.fieldValues);
  }

  private checkWeights(rowWeight: number | null, messages: readonly ChatMessage[], source: number, line: number): void {
    const weights = rowWeights(rowWeight, messages);
    if (weights.length === 0) return;
    this.rowsWithWeight++;
    const [low, high] = this.settings.weightRange;
    let outside = false;
    for (const weight of weights) {
      this.weightStats.add(weight);
      this.weightValues.add(String(weight));
      if (!(weight >= low && weight <= high)) outside = true;
    }
    if (outside) this.flag('weight_out_of_range_rows', source, line);
  }

  /**
   * Tokens, words and PII of the row's messages: one pass over each text, the tokenizer's. The
   * row's tokens also count what OpenAI bills beside the texts (names, calls, tool definitions:
   * tool-tokens.ts), for the few rows that have any; words and tokens per role are the texts'.
   * PII is looked for in the calls' arguments too (as held: bytes when `utf8`).
   */
  private measure(row: ChatRow, utf8: boolean, source: number, line: number): void {
    const { messages } = row;
    let rowTokens = ROW_TOKENS_BASE;
    const pii = this.#pii;
    pii.email = pii.phone = pii.ip = false;
    for (const { role, content, written, calls } of messages) {
      // PII patterns are ASCII: they find the same in a text held as bytes.
      const { tokens, words, maybePii } = utf8 ? this.counter.measureUtf8(content) : this.counter.measure(content);
      rowTokens += messageTokens(role, tokens, this.#roleCounter);
      if (written !== undefined) rowTokens += messageKeyTokens(written, utf8 ? this.#countBytes : this.#countText);
      statsFor(this.tokens, role, TOKEN_EDGES).add(tokens);
      statsFor(this.words, role, WORD_EDGES).add(words);
      if (maybePii) this.#notePii(content);
      // A call's arguments are text scrub replaces PII in: scanned too, only in the few messages that make a call.
      if (calls && written) for (const text of callArguments(written)) this.#notePii(text);
    }
    if (row.tools !== undefined) rowTokens += toolsTokens(row.tools, this.counter.encoding, utf8 ? this.#countBytes : this.#countText);
    // Images (rare): base64 ones read for their size; one by http(s) URL is unknown and adds nothing (images.ts).
    if (row.images !== undefined) {
      const images = imagesTokens(row.images);
      rowTokens += images.tokens;
      this.imagesByUrl += images.byUrl;
    }
    this.turns.add(messages.length);
    this.rowTokens.add(rowTokens);
    this.totalTokens += rowTokens;
    if (rowTokens > this.settings.contextLimit) {
      this.flag('over_context_rows', source, line);
      this.billedTokens += this.settings.contextLimit;
    } else {
      this.billedTokens += rowTokens;
    }
    if (pii.email) this.flag('rows_with_email', source, line);
    if (pii.phone) this.flag('rows_with_phone', source, line);
    if (pii.ip) this.flag('rows_with_ip', source, line);
  }

  /** Adds the kinds of PII in a text to the row's (`#pii`). */
  #notePii(text: string): void {
    const found = scanPii(text);
    this.#pii.email ||= found.email;
    this.#pii.phone ||= found.phone;
    this.#pii.ip ||= found.ip;
  }
}

function statsFor(map: Map<string, NumberStats>, key: string, edges: readonly number[]): NumberStats {
  let stats = map.get(key);
  if (!stats) {
    if (map.size >= 16) return statsFor(map, '(other)', edges);
    map.set(key, (stats = new NumberStats(edges)));
  }
  return stats;
}

function mergeByKey(into: Map<string, NumberStats>, from: Map<string, NumberStats>, edges: readonly number[]): void {
  for (const [key, stats] of from) statsFor(into, key, edges).merge(stats);
}
