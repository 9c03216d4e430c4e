import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { lacksFinalPunctuation } from '../src/pipeline/audit/checks.ts';
import { AuditReport, auditFiles, auditMarkdown, toChatRow } from '../src/pipeline/index.ts';
import { cleanRow, plantedDataset, rng, shinglePairs, textRow } from './helpers/datasets.ts';
import type { PlantedCounts } from './helpers/datasets.ts';

const PLANTED = {
  clean: 40,
  parseErrors: 3,
  missingMessages: 2,
  emptyAssistant: 4,
  alternation: 5,
  exactDuplicates: 3,
  emails: 6,
  phones: 7,
  ips: 2,
  noFinalPunct: 4,
  weightOutOfRange: 3,
  blankLines: 2,
  dataType: 3,
  messageMissingKey: 8,
  unrecognizedKey: 9,
  unrecognizedRole: 11,
  ipv6s: 7,
};

/** The audit's count of every check for a planted dataset (near duplicates: only its exact duplicates). */
function plantedCounts(planted: PlantedCounts) {
  const { dataType = 0, messageMissingKey = 0, unrecognizedKey = 0, unrecognizedRole = 0, ipv6s = 0 } = planted;
  return {
    parse_errors: planted.parseErrors + planted.missingMessages + dataType, // JSON, but no message list
    data_type: dataType,
    missing_messages_list: planted.missingMessages,
    message_missing_key: messageMissingKey,
    message_unrecognized_key: unrecognizedKey,
    unrecognized_role: unrecognizedRole,
    // The cookbook counts "" but not "   " (planted in turn), and a message without content as missing a key and its content.
    missing_content: Math.floor(planted.emptyAssistant / 2) + messageMissingKey,
    example_missing_assistant_message: 0,
    empty_assistant_rows: planted.emptyAssistant,
    alternation_violation_rows: planted.alternation,
    exact_duplicate_rows: planted.exactDuplicates,
    near_duplicate_rows: planted.exactDuplicates,
    rows_with_email: planted.emails,
    rows_with_phone: planted.phones,
    rows_with_ip: planted.ips + ipv6s,
    no_final_punct_rows: planted.noFinalPunct,
    weight_out_of_range_rows: planted.weightOutOfRange,
    over_context_rows: 0,
    blank_lines: planted.blankLines,
    invalid_utf8_lines: 0,
    truncated_lines: 0,
  };
}

let dir = '';
const file = (name: string, text: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const counts = (report: Pick<AuditReport, 'counts'>) => Object.fromEntries(Object.entries(report.counts).map(([k, v]) => [k, v.count]));

describe('data audit', () => {
  before(() => (dir = mkdtempSync(join(tmpdir(), 'quimbot-audit-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, eol] of [['LF', '\n'], ['CRLF', '\r\n']] as const) {
    test(`exact counts of every planted flaw (${name})`, async () => {
      const { text, rows, lines: at } = plantedDataset(PLANTED, 7, eol);
      const report = AuditReport.parse(await auditFiles([file(`planted-${name}.jsonl`, text)]));
      assert.equal(report.rows, rows);
      assert.equal(report.lines, rows + PLANTED.blankLines);
      assert.deepEqual(counts(report), plantedCounts(PLANTED));
      assert.deepEqual(report.duplicate_groups[0], { count: 1 + PLANTED.exactDuplicates, lines: [{ source: join(dir, `planted-${name}.jsonl`), line: 1 }] });
      // The first lines of every count are the lines the flaws were planted at.
      const lines = text.split(eol);
      const merged = (...lists: number[][]) => lists.flat().sort((a, b) => a - b);
      const emptyContent = at.emptyAssistant.filter((line) => (JSON.parse(lines[line - 1]!) as { messages: Array<{ content: string }> }).messages[2]!.content === '');
      const planted: Record<string, number[]> = {
        parse_errors: merged(at.parseErrors, at.missingMessages, at.dataType),
        data_type: at.dataType,
        missing_messages_list: at.missingMessages,
        message_missing_key: at.messageMissingKey,
        message_unrecognized_key: at.unrecognizedKey,
        unrecognized_role: at.unrecognizedRole,
        missing_content: merged(emptyContent, at.messageMissingKey),
        example_missing_assistant_message: [],
        empty_assistant_rows: at.emptyAssistant,
        alternation_violation_rows: at.alternation,
        exact_duplicate_rows: at.exactDuplicates,
        near_duplicate_rows: at.exactDuplicates,
        rows_with_email: at.emails,
        rows_with_phone: at.phones,
        rows_with_ip: merged(at.ips, at.ipv6s),
        no_final_punct_rows: at.noFinalPunct,
        weight_out_of_range_rows: at.weightOutOfRange,
        over_context_rows: [],
        blank_lines: at.blankLines,
        invalid_utf8_lines: [],
        truncated_lines: [],
      };
      const firstLines = Object.fromEntries(Object.entries(report.counts).map(([k, v]) => [k, v.lines.map((place) => place.line)]));
      assert.deepEqual(firstLines, Object.fromEntries(Object.entries(planted).map(([k, v]) => [k, v.slice(0, 10)])));
      assert.ok(at.dataType.length === 3 && at.dataType.every((line) => !/^\{/.test(lines[line - 1]!)), 'a list, a string and a number');
    });
  }

  test('BOM, invalid UTF-8, a truncated last line, gzip and several sources', async () => {
    const random = rng(3);
    const row = (i: number) => JSON.stringify(cleanRow(random, i));
    const plain = file('a.jsonl', `\uFEFF${row(1)}\n${row(2)}\n${row(3).slice(0, 40)}`);
    const bad = file('b.jsonl', Buffer.concat([Buffer.from(`${row(4)}\n`), Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]), Buffer.from(`${row(5)}\n`)]));
    const gz = file('c.jsonl.gz', gzipSync(`${row(6)}\n${row(7)}\n`));
    const report = await auditFiles([plain, bad, gz], { near: false });
    assert.deepEqual(report.sources.map((s) => [s.rows, s.counts.parse_errors.count]), [[3, 1], [3, 1], [2, 0]]);
    assert.deepEqual(report.counts.truncated_lines.lines, [{ source: plain, line: 3 }]);
    assert.deepEqual(report.counts.invalid_utf8_lines.lines, [{ source: bad, line: 2 }]);
    assert.equal(report.counts.exact_duplicate_rows.count, 0);
    assert.equal(report.near_duplicate_clusters, null);
  });

  test('several sources, one gzipped: each source\'s own exact counts, lines and formats; the totals their sum', async () => {
    const a = { ...PLANTED, clean: 30, exactDuplicates: 2, blankLines: 1 };
    const b = { ...PLANTED, clean: 25, parseErrors: 1, emails: 0, ipv6s: 3, exactDuplicates: 4 };
    const [first, second] = [plantedDataset(a, 21), plantedDataset(b, 22)];
    const paths = [file('multi-a.jsonl', first.text), file('multi-b.jsonl.gz', gzipSync(second.text))];
    const report = await auditFiles(paths, { keep: 100 });
    const summary = (source: AuditReport['sources'][number]) => ({ path: source.path, lines: source.lines, rows: source.rows, counts: counts(source) });
    assert.deepEqual(report.sources.map(summary), [
      { path: paths[0], lines: first.rows + a.blankLines, rows: first.rows, counts: plantedCounts(a) },
      { path: paths[1], lines: second.rows + b.blankLines, rows: second.rows, counts: plantedCounts(b) },
    ]);
    assert.deepEqual(report.sources.map((s) => s.bytes), paths.map((path) => statSync(path).size), 'the gzipped file by its size on disk');
    // Rows with a weight are Unsloth's; rows with a message list and nothing else OpenAI's.
    const formats = ({ lines, rows }: typeof first) => {
      const unsloth = lines.clean.length + lines.weightOutOfRange.length;
      const openai = rows - unsloth - lines.parseErrors.length - lines.missingMessages.length - lines.dataType.length;
      return [['openai', openai], ['unsloth', unsloth]].sort((x, y) => Number(y[1]) - Number(x[1]));
    };
    assert.deepEqual(report.sources.map((s) => s.formats.map((f) => [f.value, f.count])), [formats(first), formats(second)]);
    const sum = plantedCounts(a);
    for (const [name, n] of Object.entries(plantedCounts(b))) sum[name as keyof typeof sum] += n;
    assert.deepEqual(counts(report), sum);
    // Each finding's lines name the source they are in.
    const at = (source: string, lines: number[]) => lines.map((line) => ({ source, line }));
    assert.deepEqual(report.counts.rows_with_ip.lines, [...at(paths[0]!, [...first.lines.ips, ...first.lines.ipv6s].sort((x, y) => x - y)), ...at(paths[1]!, [...second.lines.ips, ...second.lines.ipv6s].sort((x, y) => x - y))]);
    assert.deepEqual(report.counts.exact_duplicate_rows.lines, [...at(paths[0]!, first.lines.exactDuplicates), ...at(paths[1]!, second.lines.exactDuplicates)]);
    assert.deepEqual(report.duplicate_groups.map((g) => [g.count, g.lines]), [[5, at(paths[1]!, [1])], [3, at(paths[0]!, [1])]]);
  });

  test('IPv6 addresses: rows with one are counted, colons that are not one are not', async () => {
    // Each text and whether it holds an IP address; every one a row's user message, then a ShareGPT row's system field.
    const texts: Array<[string, boolean]> = [
      ['Ping 2001:0db8:85a3:0000:0000:8a2e:0370:7334 now.', true],
      ['Ping 2001:db8::ff00:42:8329.', true],
      ['Loopback is ::1, always.', true],
      ['Link-local fe80::1ff:fe23:4567:890a%eth0 here.', true],
      ['Open [2001:db8::1]:8080 in a browser.', true],
      ['Mapped ::ffff:192.0.2.128 too.', true],
      ['Use std::vector<int> in C++.', false],
      ['At 12:30:45 the clock said so.', false],
      ['The MAC 00:1a:2b:3c:4d:5e is not an IP.', false],
      ['Note:: a colon pair, a::b, and ratio 3:2.', false],
    ];
    const rows = texts.flatMap(([text], i) => [
      { messages: [{ role: 'user', content: `${i} ${text}` }, { role: 'assistant', content: 'Understood.' }] },
      { conversations: [{ from: 'human', value: `Row ${i}?` }, { from: 'gpt', value: 'Yes.' }], system: `${i} ${text}` },
    ]);
    const report = await auditFiles([file('ipv6.jsonl', rows.map((r) => JSON.stringify(r)).join('\n'))], { near: false, keep: 100 });
    const expected = texts.flatMap(([, ip], i) => (ip ? [2 * i + 1, 2 * i + 2] : []));
    assert.deepEqual(report.counts.rows_with_ip.lines.map((p) => p.line), expected);
    assert.equal(report.counts.rows_with_ip.count, 12);
  });

  test("ShareGPT's system field and system turns are system messages, first, outside the alternation", async () => {
    const human = { from: 'human', value: 'What is a noun?' };
    const gpt = { from: 'gpt', value: 'A naming word.' };
    const cases: Array<[string, Record<string, unknown>, Array<[string, string]>]> = [
      ['the system field', { conversations: [human, gpt], system: 'You teach grammar.' }, [['system', 'You teach grammar.'], ['user', human.value], ['assistant', gpt.value]]],
      ['a system turn', { conversations: [{ from: 'system', value: 'Be brief.' }, human, gpt] }, [['system', 'Be brief.'], ['user', human.value], ['assistant', gpt.value]]],
      ['a SYSTEM turn (any case)', { conversations: [{ from: 'SYSTEM', value: 'Be kind.' }, human, gpt] }, [['system', 'Be kind.'], ['user', human.value], ['assistant', gpt.value]]],
      ['both', { conversations: [{ from: 'system', value: 'Two.' }, human, gpt], system: 'One.' }, [['system', 'One.'], ['system', 'Two.'], ['user', human.value], ['assistant', gpt.value]]],
      ['an empty system field: none', { conversations: [human, gpt], system: '' }, [['user', human.value], ['assistant', gpt.value]]],
      ['a system field that is not text: none', { conversations: [human, gpt], system: 7 }, [['user', human.value], ['assistant', gpt.value]]],
    ];
    for (const [name, row, messages] of cases) assert.deepEqual(toChatRow(row)?.messages.map((m) => [m.role, m.content]), messages, name);
    const report = await auditFiles([file('sharegpt-system.jsonl', cases.map(([, row]) => JSON.stringify(row)).join('\n'))], { near: false });
    const systemWords = cases.flatMap(([, , messages]) => messages.filter(([role]) => role === 'system').map(([, text]) => text.split(' ').length));
    const { count, mean, max } = report.lengths.words.system!;
    assert.deepEqual([count, mean, max], [5, systemWords.reduce((a, b) => a + b, 0) / 5, Math.max(...systemWords)]);
    assert.deepEqual(report.lengths.turns.histogram.filter((bin) => bin.count > 0).map((bin) => [bin.from, bin.count]), [[2, 2], [3, 3], [4, 1]]);
    assert.equal(report.counts.alternation_violation_rows.count, 0);
    assert.equal(report.counts.missing_content.count + report.counts.unrecognized_role.count, 0);
  });

  test('formats: ShareGPT and Alpaca rows are read as chat; weights and a metadata field are counted', async () => {
    const rows = [
      { conversations: [{ from: 'human', value: 'Hi there, how are you?' }, { from: 'gpt', value: 'Fine, thanks.' }], difficulty: 'easy' },
      { instruction: 'Summarise the text.', input: 'Cats sleep a lot.', output: 'Cats sleep much.', difficulty: 'hard' },
      { messages: [{ role: 'user', content: 'Q?' }, { role: 'assistant', content: 'A.' }], weight: 1, difficulty: 'easy' },
      { messages: [{ role: 'user', content: 'Q2?' }, { role: 'assistant', content: 'A2.' }], weight: 0.2, difficulty: 'easy' },
    ];
    const report = await auditFiles([file('mixed.jsonl', rows.map((r) => JSON.stringify(r)).join('\n'))]);
    assert.deepEqual(report.formats.map((f) => [f.value, f.count]), [['unsloth', 2], ['alpaca', 1], ['sharegpt', 1]]);
    assert.deepEqual(report.field.distribution.map((d) => [d.value, d.count]), [['easy', 3], ['hard', 1]]);
    assert.deepEqual(report.weights.distribution.map((d) => [d.value, d.count]), [['0.2', 1], ['1', 1]]);
    assert.equal(report.counts.parse_errors.count, 0);
    assert.equal(report.counts.alternation_violation_rows.count, 0);
  });

  test('an assistant turn that makes a tool or function call needs no text: not an empty assistant row, not missing content', async () => {
    const call = { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } };
    const ask = { role: 'user', content: 'Weather in Oslo?' };
    const result = { role: 'tool', tool_call_id: 'call_1', content: '{"c":21}' };
    const answer = { role: 'assistant', content: 'It is 21 degrees.' };
    const rows = [
      { messages: [ask, { role: 'assistant', content: null, tool_calls: [call] }, result, answer] },
      { messages: [ask, { role: 'assistant', content: '', function_call: call.function }, { role: 'function', name: 'weather', content: '{"c":21}' }, answer] },
      { messages: [ask, { role: 'assistant', content: ' ', tool_calls: [call] }, result, answer] },
      // The cookbook wants a content key even beside a call.
      { messages: [ask, { role: 'assistant', tool_calls: [call] }, result, answer] },
      // No call at all: an empty tool_calls list, or a function_call that is not an object.
      { messages: [ask, { role: 'assistant', content: '', tool_calls: [] }] },
      { messages: [ask, { role: 'assistant', content: null, function_call: 'weather' }] },
    ];
    const report = await auditFiles([file('calls.jsonl', rows.map((r) => JSON.stringify(r)).join('\n'))], { near: false });
    const { message_missing_key, missing_content, empty_assistant_rows, alternation_violation_rows, no_final_punct_rows } = report.counts;
    assert.deepEqual(
      Object.fromEntries(Object.entries({ message_missing_key, missing_content, empty_assistant_rows, alternation_violation_rows, no_final_punct_rows }).map(([k, v]) => [k, v.lines.map((p) => p.line)])),
      { message_missing_key: [4], missing_content: [5, 6], empty_assistant_rows: [5, 6], alternation_violation_rows: [], no_final_punct_rows: [] },
    );
  });

  test('tokens follow OpenAI accounting and give the cost estimate', async () => {
    const messages = [{ role: 'user', content: 'How many tokens is this sentence?' }, { role: 'assistant', content: 'Exactly enough.' }];
    const report = await auditFiles([file('tokens.jsonl', `${JSON.stringify({ messages })}\n`)], { model: 'gpt-4o-mini', epochs: 3 });
    const expected = 3 + messages.reduce((n, m) => n + 3 + countTokens(m.role) + countTokens(m.content), 0);
    assert.equal(report.tokens.total, expected);
    assert.equal(report.tokens.billed_tokens, expected * 3);
    assert.equal(report.tokens.estimated_cost_usd, Math.round(((expected * 3) / 1e6) * 3 * 100) / 100);
    const tight = await auditFiles([file('tight.jsonl', `${JSON.stringify({ messages })}\n`)], { contextLimit: 10, pricePerMillion: 1 });
    assert.equal(tight.counts.over_context_rows.count, 1);
  });

  test('near duplicates: a one-word edit clusters, an unrelated row does not', async () => {
    const random = rng(11);
    const base = cleanRow(random, 1);
    const edited = structuredClone(base);
    edited.messages[2]!.content = edited.messages[2]!.content.replace(/ (\w+)\.$/, ' changed.');
    const other = cleanRow(random, 2);
    const report = await auditFiles([file('near.jsonl', [base, edited, other].map((r) => JSON.stringify(r)).join('\n'))]);
    assert.equal(report.counts.exact_duplicate_rows.count, 0);
    assert.equal(report.counts.near_duplicate_rows.count, 1);
    assert.deepEqual(report.counts.near_duplicate_rows.lines.map((p) => p.line), [2]);
  });

  test('--near-threshold 0.6 and 0.9: pairs above the threshold are near duplicates, pairs below are not', async () => {
    const random = rng(3);
    // Per threshold: pairs at a similarity above it, then below it; each pair's second row at the end.
    const cases = [
      { threshold: 0.6, above: shinglePairs(random, 50, 0.7), below: shinglePairs(random, 50, 0.45), found: 50 },
      { threshold: 0.9, above: shinglePairs(random, 50, 0.95), below: shinglePairs(random, 50, 0.8), found: 50 },
    ];
    for (const { threshold, above, below, found } of cases) {
      const pairs = [...above.pairs, ...below.pairs];
      const rows = [...pairs.map(([a]) => a), ...pairs.map(([, b]) => b)].map(textRow);
      const report = await auditFiles([file(`jaccard-${threshold}.jsonl`, rows.map((r) => JSON.stringify(r)).join('\n'))], { nearThreshold: threshold });
      assert.equal(report.counts.near_duplicate_rows.count, found, `threshold ${threshold}`);
      const lines = report.near_duplicate_clusters!.map((c) => c.lines.map((l) => l.line));
      assert.ok(lines.every(([a, b]) => a! <= above.pairs.length && b === a! + pairs.length), `threshold ${threshold}: only pairs above it`);
    }
    for (const nearThreshold of [0, 1.5]) {
      await assert.rejects(auditFiles([file('jaccard-0.6.jsonl', '')], { nearThreshold }), { code: 'INVALID_ARGUMENT', message: /threshold .*above 0 and at most 1/ });
    }
  });

  test('multilingual rows read undecoded give the report their ASCII-escaped JSON gives, and duplicate it exactly', async () => {
    const random = rng(17);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const words = ['the', 'élève', 'ÉCOLE', 'straße', 'студент', 'Ответ', '学生', '回答问题', 'مرحبا', 'नमस्ते', '😀', "don't", '¿qué?', '«quote»', 'a::b', 'x@example.com', '555-123-4567', 'ж'.repeat(40)];
    const spaces = [' ', ' ', ' ', '  ', '\n', '\t', '\u00a0', '\u3000', '\u2003', '\u2028'];
    const ends = ['.', '。', '！', '…', '»', '', ' ', '\u00a0', '😀', 'a'];
    const text = (n: number) => Array.from({ length: n }, (_, i) => (i ? pick(spaces) : '') + pick(words)).join('') + pick(ends);
    const rows = Array.from({ length: 400 }, (_, i) => {
      const assistant = random() < 0.1 ? pick(['', ' ', '\u00a0', '\u3000\n']) : text(1 + Math.floor(random() * 40));
      const r = random();
      if (r < 0.1) return { conversations: [{ from: pick(['human', 'HUMAN', 'ÜSER']), value: `${i} ${text(8)}` }, { from: 'gpt', value: assistant }], difficulty: pick(['easy', 'difícil']) };
      if (r < 0.2) return { instruction: `${i} ${text(5)}`, input: pick(['', '\u00a0', text(3)]), output: assistant, difficulty: pick(['easy', '难']) };
      return {
        messages: [
          { role: random() < 0.05 ? 'ассистент' : 'user', content: `${i} ${text(1 + Math.floor(random() * 30))}` },
          random() < 0.05 ? { role: 'assistant', content: [{ type: 'text', text: assistant }] } : { role: 'assistant', content: assistant },
        ],
        ...(random() < 0.5 ? { weight: pick([1, 0.5, 1.5]), difficulty: pick(['easy', 'difícil', '难', { level: 'ñ' }]) } : {}),
      };
    });
    const literal = rows.map((row) => JSON.stringify(row));
    const escaped = literal.map((line) => line.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
    assert.ok(literal.some((line) => /[^\x00-\x7f]/.test(line)) && escaped.every((line) => !/[^\x00-\x7f]/.test(line)));
    const comparable = ({ sources, elapsed_ms, ...rest }: AuditReport) => rest;
    for (const near of [false, true]) {
      const asBytes = await auditFiles([file('ml-utf8.jsonl', literal.join('\n'))], { near, names: ['ml.jsonl'] });
      const decoded = await auditFiles([file('ml-ascii.jsonl', escaped.join('\n'))], { near, names: ['ml.jsonl'] });
      assert.deepEqual(comparable(asBytes), comparable(decoded));
      assert.ok(asBytes.counts.empty_assistant_rows.count > 0 && asBytes.counts.no_final_punct_rows.count > 0 && asBytes.counts.rows_with_email.count > 0);
    }
    const both = await auditFiles([file('ml-both.jsonl', [...literal, ...escaped].join('\n'))], { near: false });
    assert.equal(both.counts.exact_duplicate_rows.count, rows.length);
  });

  test('a missing file and a cancelled run are clear errors', async () => {
    await assert.rejects(auditFiles([join(dir, 'nope.jsonl')]), /nope\.jsonl: no such file/);
    const controller = new AbortController();
    controller.abort();
    const { text } = plantedDataset(PLANTED, 1);
    await assert.rejects(auditFiles([file('cancel.jsonl', text)], { signal: controller.signal }), { code: 'CANCELLED' });
  });

  test('the Markdown report names every check with its count', async () => {
    const { text } = plantedDataset(PLANTED, 5);
    const markdown = auditMarkdown(await auditFiles([file('md.jsonl', text)]));
    assert.match(markdown, /\| Empty assistant message \| 4 \|/);
    assert.match(markdown, /\| Rows with a phone number \| 7 \|/);
    assert.match(markdown, /about \$\d+\.\d\d/);
  });
});

describe('no final punctuation: only . ! ? " \' ) ] end an answer', () => {
  // The last assistant text and whether the row counts (the rule, as the team's scripts apply it).
  const cases: Array<[string, boolean]> = [
    ...['.', '!', '?', '"', "'", ')', ']'].map((end): [string, boolean] => [`It ends here${end}`, false]),
    ...['…', '”', '’', '»', '。', '！', '？', '`', '*', ':', ',', '}', 'a', '7', '😀'].map((end): [string, boolean] => [`It ends here${end}`, true]),
    ['Trailing space is trimmed.  \n\t', false],
    ['Non-breaking and ideographic space too.\u00a0\u3000', false],
    ['学生。', true],
    ['```\ncode\n```', true],
    ['', false],
    ['  \n', false],
  ];
  for (const [answer, flagged] of cases) {
    test(JSON.stringify(answer), () => {
      const messages = [{ role: 'user', content: 'Q?' }, { role: 'assistant', content: answer }];
      assert.equal(lacksFinalPunctuation(messages), flagged);
      const bytes = messages.map((m) => ({ ...m, content: Buffer.from(m.content).toString('latin1') }));
      assert.equal(lacksFinalPunctuation(bytes, true), flagged, 'read as UTF-8 bytes');
    });
  }

  test('the last message must be the assistant\'s', () => {
    assert.equal(lacksFinalPunctuation([{ role: 'assistant', content: 'A' }, { role: 'user', content: 'no end' }]), false);
    assert.equal(lacksFinalPunctuation([]), false);
  });

  test('the audit counts exactly these rows, with their lines', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'quimbot-audit-punct-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'punct.jsonl');
    writeFileSync(path, cases.map(([answer]) => `${JSON.stringify({ messages: [{ role: 'user', content: 'Q?' }, { role: 'assistant', content: answer }] })}\n`).join(''));
    const report = await auditFiles([path], { near: false, keep: cases.length });
    const expected = cases.flatMap(([, flagged], i) => (flagged ? [i + 1] : []));
    assert.equal(report.counts.no_final_punct_rows.count, expected.length);
    assert.deepEqual(report.counts.no_final_punct_rows.lines.map((p) => p.line), expected);
  });
});
