import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { TOKEN_EDGES, TURN_EDGES, WORD_EDGES } from '../src/pipeline/audit/stats.ts';
import { AuditReport, auditFiles, auditMarkdown } from '../src/pipeline/index.ts';
import { jsonl, lengthRows } from './helpers/datasets.ts';

// The audit's statistics checked against numbers this file works out itself from the rows:
// words by a plain split, tokens by gpt-tokenizer's own `encode`, histograms by filtering.

const dir = mkdtempSync(join(tmpdir(), 'quimbot-audit-stats-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

type Row = Record<string, unknown>;
type Message = { role: string; content: string };

/** A row's messages as the issue defines each format (written out here, not taken from the code under test). */
function messagesOf(row: Row): Message[] {
  if (Array.isArray(row.messages)) return row.messages as Message[];
  if (Array.isArray(row.conversations)) {
    const roles: Record<string, string> = { human: 'user', gpt: 'assistant', system: 'system' };
    const turns = (row.conversations as Array<{ from: string; value: string }>).map((t) => ({ role: roles[t.from]!, content: t.value }));
    return typeof row.system === 'string' && row.system !== '' ? [{ role: 'system', content: row.system }, ...turns] : turns;
  }
  const { instruction, input, output } = row as { instruction: string; input: string; output: string };
  return [{ role: 'user', content: input.trim() ? `${instruction}\n\n${input}` : instruction }, { role: 'assistant', content: output }];
}

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
const tokens = (text: string) => encode(text).length;

/** What the report's statistics of these values must be: count, mean, min, max, histogram over `edges`, and the histogram's quantile bounds. */
function stats(values: readonly number[], edges: readonly number[]) {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  const histogram = edges.map((from, i) => {
    const to = edges[i + 1] ?? null;
    return { from, to, count: values.filter((v) => v >= from && (to === null || v < to)).length };
  });
  // The upper edge of the bin holding the value at rank ceil(q n): at most this many fall at or below it.
  const bound = (q: number) => {
    if (n === 0) return 0;
    const value = sorted[Math.ceil(q * n) - 1]!;
    return histogram.find((bin) => value >= bin.from && (bin.to === null || value < bin.to))!.to ?? sorted[n - 1]!;
  };
  return {
    count: n,
    mean: n ? values.reduce((a, b) => a + b, 0) / n : 0,
    min: n ? sorted[0]! : 0,
    max: n ? sorted[n - 1]! : 0,
    p50_at_most: bound(0.5),
    p90_at_most: bound(0.9),
    histogram,
  };
}

/** Values by count, most first (ties by value), with their share of all. */
function distribution(values: readonly string[]) {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([value, count]) => ({ value, count, share: count / values.length }));
}

/** Per role, a measure of every message of that role, in file order. */
function byRole(rows: readonly Row[], measure: (text: string) => number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const row of rows) for (const { role, content } of messagesOf(row)) (out[role] ??= []).push(measure(content));
  return out;
}

const mapValues = <T, U>(record: Record<string, T>, fn: (value: T) => U) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v)]));

/** A metadata field's values as the audit tallies them: strings as they are, anything else as JSON; absent and null left out. */
const fieldValues = (rows: readonly Row[], name: string) =>
  rows
    .map((row) => row[name])
    .filter((v) => v !== undefined && v !== null)
    .map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));

describe('audit statistics, exactly', () => {
  const rows = lengthRows(5);
  const path = file('lengths.jsonl', jsonl(rows));

  test('the fixture covers what it is for', () => {
    const allWords = Object.values(byRole(rows, words)).flat();
    assert.ok(allWords.includes(0) && allWords.some((n) => n >= 250), 'empty texts and texts in the 250-500 bin');
    assert.ok(Object.values(byRole(rows, tokens)).flat().some((n) => n >= 512), 'texts over 512 tokens');
    assert.ok(rows.some((r) => typeof r.system === 'string' && r.system !== '') && rows.some((r) => 'instruction' in r));
    assert.ok(/[^\x00-\x7f]/.test(jsonl(rows)), 'read as UTF-8 bytes, not decoded');
  });

  test('words and tokens per role, messages per row and tokens per row', async () => {
    const report = AuditReport.parse(await auditFiles([path], { near: false }));
    assert.deepEqual(report.lengths.words, mapValues(byRole(rows, words), (values) => stats(values, WORD_EDGES)));
    assert.deepEqual(report.lengths.tokens, mapValues(byRole(rows, tokens), (values) => stats(values, TOKEN_EDGES)));
    assert.deepEqual(report.lengths.turns, stats(rows.map((row) => messagesOf(row).length), TURN_EDGES));
    // OpenAI's accounting: 3 a message and its role's and content's tokens, 3 to prime the reply.
    const rowTokens = rows.map((row) => 3 + messagesOf(row).reduce((n, m) => n + 3 + tokens(m.role) + tokens(m.content), 0));
    assert.deepEqual(report.lengths.row_tokens, stats(rowTokens, TOKEN_EDGES));
    assert.equal(report.tokens.total, rowTokens.reduce((a, b) => a + b, 0));
    // The same with the text escaped as ASCII (decoded, not read as bytes).
    const escaped = file('lengths-ascii.jsonl', jsonl(rows).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
    assert.deepEqual((await auditFiles([escaped], { near: false })).lengths, report.lengths);
  });

  test('weights: statistics, the distribution and its shares (2 of 30 at 1.0: 6.7%, the rest 93.3%)', async () => {
    const report = await auditFiles([path], { near: false });
    const weights = rows.flatMap((row) => (typeof row.weight === 'number' ? [row.weight] : []));
    assert.equal(weights.length, 30);
    assert.equal(report.weights.rows_with_weight, 30);
    assert.deepEqual(report.weights.distribution, distribution(weights.map(String)));
    const native = report.weights.distribution.find((d) => d.value === '1')!;
    assert.deepEqual([native.count, (100 * native.share).toFixed(1), (100 * (1 - native.share)).toFixed(1)], [2, '6.7', '93.3']);
    assert.deepEqual(report.weights.stats, stats(weights, [-1, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.0000001]));
    assert.match(auditMarkdown(report), /\| 1 \| 2 \| 6\.7% \|/);
  });

  test('per-message weights count one value each; out-of-range ones have their own bins and rows', async () => {
    const message = (role: string, weight?: number) => ({ role, content: `${role} text.`, ...(weight === undefined ? {} : { weight }) });
    const weighted = [
      { messages: [message('user'), message('assistant', 1), message('user'), message('assistant', 0)] },
      { messages: [message('user'), message('assistant', 1)] },
      { messages: [message('user', 1), message('assistant', -0.5)] },
      { messages: [message('user'), message('assistant', 1.5)] },
      { messages: [message('user'), message('assistant')] },
      { messages: [message('user'), message('assistant')], weight: 0.25 },
    ];
    const report = await auditFiles([file('message-weights.jsonl', jsonl(weighted))], { near: false });
    const values = [1, 0, 1, 1, -0.5, 1.5, 0.25];
    assert.equal(report.weights.rows_with_weight, 5);
    assert.deepEqual(report.weights.distribution, distribution(values.map(String)));
    assert.deepEqual(report.weights.distribution[0], { value: '1', count: 3, share: 3 / 7 });
    assert.deepEqual(report.weights.stats, stats(values, [-1, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.0000001]));
    assert.deepEqual(report.counts.weight_out_of_range_rows.lines.map((p) => p.line), [3, 4]);
    // Below the first edge still lands in a bin that says so.
    const below = await auditFiles([file('very-negative.jsonl', jsonl([{ messages: [message('user'), message('assistant', -3)] }]))], { near: false });
    assert.deepEqual(below.weights.stats.histogram[0], { from: -3, to: 0, count: 1 });
  });

  for (const name of ['difficulty', 'topic'] as const) {
    test(`--field ${name}: rows with it, its values and shares`, async () => {
      const report = await auditFiles([path], { near: false, ...(name === 'difficulty' ? {} : { field: name }) });
      const values = fieldValues(rows, name);
      assert.ok(values.length > 10 && new Set(values).size > 2);
      assert.deepEqual(report.field, { name, rows_with_field: values.length, distribution: distribution(values) });
    });
  }

  test('per source: bytes, lines, rows, formats and counts of each file; totals the sum', async () => {
    const half = rows.length / 2;
    const paths = [file('first.jsonl', `${jsonl(rows.slice(0, half))}\n`), file('second.jsonl', `${jsonl(rows.slice(half))}not json\n`)];
    const report = await auditFiles(paths, { near: false });
    const formatOf = (row: Row) => (row.messages ? (Object.keys(row).length === 1 ? 'openai' : 'unsloth') : row.conversations ? 'sharegpt' : 'alpaca');
    const formats = (part: readonly Row[]) => distribution(part.map(formatOf));
    assert.deepEqual(
      report.sources.map(({ path, bytes, lines, rows, formats, counts }) => ({ path, bytes, lines, rows, formats, parse: counts.parse_errors.count, blank: counts.blank_lines.count })),
      [
        { path: paths[0], bytes: statSync(paths[0]!).size, lines: half + 1, rows: half, formats: formats(rows.slice(0, half)), parse: 0, blank: 1 },
        { path: paths[1], bytes: statSync(paths[1]!).size, lines: half + 1, rows: half + 1, formats: formats(rows.slice(half)), parse: 1, blank: 0 },
      ],
    );
    assert.deepEqual(report.formats, formats(rows));
    assert.deepEqual([report.lines, report.rows], [rows.length + 2, rows.length + 1]);
    assert.deepEqual(report.counts.blank_lines.lines, [{ source: paths[0], line: half + 1 }]);
    assert.deepEqual(report.counts.parse_errors.lines, [{ source: paths[1], line: half + 1 }]);
    assert.deepEqual(report.lengths, (await auditFiles([path], { near: false })).lengths);
  });
});
