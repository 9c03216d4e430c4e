import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { encode as encodeCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { encode as encodeO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { auditFiles, cleanFiles, toChatRow, validateFile } from '../src/pipeline/index.ts';
import { jsonl } from './helpers/datasets.ts';

// What OpenAI bills for rows with names, tool calls and tool definitions, worked out here the
// way the OpenAI cookbook does (How_to_count_tokens_with_tiktoken): `num_tokens_from_messages`
// counts every value of every message key, one more for a name, 3 a message and 3 for the
// reply; `num_tokens_for_tools` counts the definitions. A call is not a string (the cookbook
// meets none): every string in it counts.

const dir = mkdtempSync(join(tmpdir(), 'quimbot-tool-tokens-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

type Encode = (text: string) => number[];

/** Every string inside a value (a call's name, arguments, id, type). */
const strings = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : typeof value === 'object' && value !== null ? Object.values(value).flatMap(strings) : [];

/** `num_tokens_from_messages`, every key but a message's training weight. */
function cookbookMessages(messages: Array<Record<string, unknown>>, encode: Encode): number {
  let tokens = 3;
  for (const message of messages) {
    tokens += 3;
    for (const [key, value] of Object.entries(message)) {
      if (key === 'weight') continue;
      for (const text of strings(value)) tokens += encode(text).length;
      if (key === 'name') tokens += 1;
    }
  }
  return tokens;
}

type Fn = { name: string; description?: string; parameters?: { properties?: Record<string, { type?: string; description?: string; enum?: string[] }> } };

/** `num_tokens_for_tools` (func_init 7 for gpt-4o models, 10 for gpt-3.5-turbo and gpt-4). */
function cookbookTools(functions: Fn[], encode: Encode, funcInit: number): number {
  const strip = (text = '') => (text.endsWith('.') ? text.slice(0, -1) : text);
  let tokens = 0;
  for (const fn of functions) {
    tokens += funcInit + encode(`${fn.name}:${strip(fn.description)}`).length;
    const properties = Object.entries(fn.parameters?.properties ?? {});
    if (properties.length > 0) tokens += 3;
    for (const [name, property] of properties) {
      tokens += 3;
      if (property.enum) tokens += -3 + property.enum.reduce((n, item) => n + 3 + encode(item).length, 0);
      tokens += encode(`${name}:${property.type ?? ''}:${strip(property.description)}`).length;
    }
  }
  return functions.length > 0 ? tokens + 12 : 0;
}

const weather: Fn = {
  name: 'get_weather',
  description: 'Get the current weather in a city.',
  parameters: {
    properties: {
      city: { type: 'string', description: 'The city, e.g. Zürich or 東京' },
      unit: { type: 'string', description: 'The unit.', enum: ['celsius', 'fahrenheit'] },
      when: { type: 'object' },
    },
  },
};
const noParameters: Fn = { name: 'list_cities' };
const call = (id: string, city: string) => ({ id, type: 'function', function: { name: 'get_weather', arguments: JSON.stringify({ city, unit: 'celsius' }) } });
const rows: Array<{ messages: Array<Record<string, unknown>>; tools?: Array<{ type: string; function: Fn }>; functions?: Fn[] }> = [
  {
    messages: [
      { role: 'system', content: 'You report the weather.' },
      { role: 'user', content: 'Weather in Zürich and 東京?' },
      { role: 'assistant', content: null, tool_calls: [call('call_a1', 'Zürich'), call('call_b2', '東京')] },
      { role: 'tool', tool_call_id: 'call_a1', content: '{"c":21}' },
      { role: 'tool', tool_call_id: 'call_b2', content: '{"c":28}' },
      { role: 'assistant', content: 'Zürich 21 °C, 東京 28 °C.', weight: 1 },
    ],
    tools: [{ type: 'function', function: weather }, { type: 'function', function: noParameters }],
  },
  {
    messages: [
      { role: 'user', name: 'ana', content: 'And Oslo?' },
      { role: 'assistant', content: '', function_call: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
      { role: 'function', name: 'get_weather', content: '{"c":9}' },
      { role: 'assistant', content: 'Oslo 9 °C.' },
    ],
    functions: [weather],
  },
  { messages: [{ role: 'user', content: 'Plain question?' }, { role: 'assistant', content: 'Plain answer.' }] },
];

const billed = (encode: Encode, funcInit: number) =>
  rows.map((row) => cookbookMessages(row.messages, encode) + cookbookTools([...(row.tools ?? []).map((t) => t.function), ...(row.functions ?? [])], encode, funcInit));
/** What the audit counted before: roles and texts only. */
const textsOnly = (encode: Encode) =>
  rows.map((row) => 3 + row.messages.reduce((n, m) => n + 3 + encode(String(m.role)).length + encode(typeof m.content === 'string' ? m.content : '').length, 0));

describe('tokens of names, tool calls and tool definitions', () => {
  const path = file('tools.jsonl', jsonl(rows));

  test('the fixture: the plain row costs what its texts cost; each tool row more', () => {
    const full = billed(encodeO200k, 7);
    const plain = textsOnly(encodeO200k);
    assert.equal(full[2], plain[2]);
    assert.ok(full[0]! > plain[0]! + 60 && full[1]! > plain[1]! + 40, `${full} vs ${plain}`);
  });

  for (const [model, encode, funcInit] of [['gpt-4o-mini', encodeO200k, 7], ['gpt-3.5-turbo', encodeCl100k, 10]] as const) {
    test(`${model}: the audit bills every row as the cookbook counts it, and finds the rows over a limit only that reaches`, async () => {
      const expected = billed(encode, funcInit);
      const total = expected.reduce((a, b) => a + b, 0);
      const report = await auditFiles([path], { model, near: false, epochs: 2 });
      assert.equal(report.tokens.total, total);
      assert.equal(report.tokens.billed_tokens, total * 2);
      assert.deepEqual([report.lengths.row_tokens.min, report.lengths.row_tokens.max], [Math.min(...expected), Math.max(...expected)]);
      // A limit between what the texts cost and what is billed: the tool rows are over it.
      const limit = Math.max(...textsOnly(encode));
      assert.ok(limit < Math.min(expected[0]!, expected[1]!));
      const tight = await auditFiles([path], { model, near: false, contextLimit: limit });
      assert.deepEqual(tight.counts.over_context_rows.lines.map((p) => p.line), [1, 2]);
      // Escaped as ASCII, the rows are decoded rather than read as bytes: the same count.
      const escaped = file(`tools-ascii-${model}.jsonl`, jsonl(rows).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
      assert.equal((await auditFiles([escaped], { model, near: false })).tokens.total, total);
    });
  }

  test('validate counts the same tokens and checks the limit against them', async () => {
    const expected = billed(encodeO200k, 7);
    const padded = file('tools-validate.jsonl', jsonl([...rows, ...Array.from({ length: 8 }, () => rows[2])]));
    const report = await validateFile(padded, { model: 'gpt-4o-mini' });
    assert.equal(report.tokens, expected[0]! + expected[1]! + 9 * expected[2]!);
    const limit = Math.max(...textsOnly(encodeO200k));
    const models = { tight: { contextLimit: limit, pricePerMillion: 1, encoding: 'o200k_base' as const } };
    const tight = await validateFile(padded, { model: 'tight', models });
    assert.deepEqual(tight.checks.find((c) => c.name === 'too_many_tokens'), { name: 'too_many_tokens', message: "the example is longer than the model's training context", count: 2, lines: [1, 2] });
  });

  test('clean --drop over-context drops the rows the tool tokens put over the limit', async () => {
    const models = { tight: { contextLimit: Math.max(...textsOnly(encodeO200k)), pricePerMillion: 1, encoding: 'o200k_base' as const } };
    const result = await cleanFiles([path], { out: join(dir, 'cleaned.jsonl'), drop: ['over-context'], model: 'tight', models });
    assert.deepEqual(result.dropped.map((d) => [d.line, d.reasons]), [[1, ['over-context']], [2, ['over-context']]]);
  });

  test('a message without a name, call or tool call id keeps nothing more than its role and text', () => {
    const chat = toChatRow(rows[2])!;
    assert.deepEqual(chat.messages, [{ role: 'user', content: 'Plain question?' }, { role: 'assistant', content: 'Plain answer.' }]);
    assert.equal('tools' in chat, false);
    const tools = toChatRow(rows[0])!;
    assert.deepEqual(tools.messages.map((m) => m.written !== undefined), [false, false, true, true, true, false]);
    assert.equal(tools.tools?.length, 2);
  });
});
