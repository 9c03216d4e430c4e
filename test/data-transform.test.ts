import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { silentLogger } from '../src/log.ts';
import { auditFiles, cleanFiles, convertFile, convertRow, DEFAULT_DROP, OpenAIRow, scrubFile, toChatRow } from '../src/pipeline/index.ts';
import { findTool, runTool, workspaceResolver } from '../src/tools/index.ts';
import { cleanRow, plantedDataset, rng } from './helpers/datasets.ts';
import type { PlantedCounts } from './helpers/datasets.ts';
import type { RowProgress } from '../src/pipeline/index.ts';
import type { Progress } from '../src/tools/index.ts';
import { cancelAtEachReport } from './helpers/cancel.ts';

const dir = mkdtempSync(join(tmpdir(), 'quimbot-transform-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const COUNTS = {
  ...{ clean: 60, parseErrors: 3, missingMessages: 2, emptyAssistant: 4, alternation: 5, exactDuplicates: 3, emails: 2, phones: 4, ips: 1, noFinalPunct: 2, weightOutOfRange: 2, blankLines: 4 },
  ...{ dataType: 2, messageMissingKey: 2, unrecognizedKey: 3, unrecognizedRole: 2 },
} satisfies PlantedCounts;
// Lines that are JSON but no chat row: parse errors for clean, copied through by scrub.
const UNPARSED = COUNTS.parseErrors + COUNTS.missingMessages + COUNTS.dataType;
const planted = plantedDataset(COUNTS);
const source = join(dir, 'planted.jsonl');
writeFileSync(source, planted.text);
const lines = planted.text.split('\n').filter((l) => l.trim() !== '');

const context = (signal = new AbortController().signal, progress: (p: Progress) => void = () => {}) => ({
  workspace: dir,
  resolvePath: workspaceResolver(dir, true),
  signal,
  progress,
  log: silentLogger,
});
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const temps = (folder: string) => readdirSync(folder).filter((f) => f.endsWith('.tmp'));

// About 2.5 MB: read in three chunks, so a run reports progress four times (the last once every row is taken).
const large = join(dir, 'large.jsonl');
writeFileSync(large, plantedDataset({ ...COUNTS, clean: 6_000 }, 2).text);

/**
 * A run that writes OUT, cancelled at each of its progress reports in turn, the last coming
 * after every row was read and written (and before the inputs are hashed and OUT committed):
 * each rejects with CANCELLED and leaves the previous OUT and no temp file. Run to the end,
 * OUT is the new one, and a cancel once it returned changes nothing.
 */
const writers: Array<[string, (out: string, signal: AbortSignal, onProgress: (p: RowProgress) => void) => Promise<{ output: { sha256: string } }>]> = [
  ['clean', (out, signal, onProgress) => cleanFiles([large], { out, signal, onProgress })],
  ['convert', (out, signal, onProgress) => convertFile(large, { out, to: 'sharegpt', signal, onProgress })],
  ['scrub', (out, signal, onProgress) => scrubFile(large, { out, signal, onProgress })],
];
describe('a cancelled run leaves the previous OUT; a finished one the new', () => {
  for (const [name, run] of writers) {
    test(name, async () => {
      const folder = join(dir, `cancel-${name}`);
      mkdirSync(folder);
      const out = join(folder, 'out.jsonl');
      const reports: RowProgress[] = [];
      await run(join(folder, 'dry-run.jsonl'), new AbortController().signal, (p) => reports.push(p));
      assert.ok(reports.length >= 3);
      assert.equal(reports.at(-1)!.bytes, reports.at(-1)!.totalBytes, 'the last report comes once all is read');
      writeFileSync(out, 'previous\n');
      await cancelAtEachReport(
        reports.length,
        (onProgress, signal) => run(out, signal, onProgress),
        (why) => {
          assert.equal(readFileSync(out, 'utf8'), 'previous\n', `${why}: OUT was replaced`);
          assert.deepEqual(temps(folder), []);
        },
      );
      const controller = new AbortController();
      const result = await run(out, controller.signal, () => {});
      controller.abort();
      assert.equal(result.output.sha256, sha256(out));
      assert.equal(sha256(out), sha256(join(folder, 'dry-run.jsonl')));
    });
  }
});

describe('data clean', () => {
  test('the default rules drop unparsable, empty-assistant and alternation rows; kept rows are copied as written', async () => {
    const out = join(dir, 'clean-default.jsonl');
    const result = await cleanFiles([source], { out });
    assert.deepEqual(result.dropped_by_rule.parse, UNPARSED);
    assert.deepEqual([result.dropped_by_rule['empty-assistant'], result.dropped_by_rule.alternation], [COUNTS.emptyAssistant, COUNTS.alternation]);
    const dropped = UNPARSED + COUNTS.emptyAssistant + COUNTS.alternation;
    assert.equal(result.dropped.length, dropped);
    assert.equal(result.sources[0]!.blank, COUNTS.blankLines);
    const kept = readFileSync(out, 'utf8').split('\n').slice(0, -1);
    assert.equal(kept.length, planted.rows - dropped);
    assert.equal(result.output.rows, kept.length);
    // In input order, byte for byte.
    let at = 0;
    for (const line of kept) at = lines.indexOf(line, at) + 1;
    assert.ok(kept.every((line) => lines.includes(line)) && at > 0);
    const audit = await auditFiles([out], { near: false });
    assert.deepEqual([audit.counts.parse_errors.count, audit.counts.empty_assistant_rows.count, audit.counts.alternation_violation_rows.count], [0, 0, 0]);
  });

  test('more rules: PII, exact duplicates (the first stays) and weights, several sources tagged in the manifest', async () => {
    const second = join(dir, 'second.jsonl');
    const random = rng(9);
    writeFileSync(second, `${JSON.stringify(cleanRow(random, 1000))}\n${lines[0]}\n`);
    const result = await cleanFiles([source, second], { out: join(dir, 'clean-more.jsonl'), drop: ['parse', 'pii', 'exact-duplicate', 'weight'], names: ['planted.jsonl', 'second.jsonl'] });
    assert.equal(result.dropped_by_rule.pii, COUNTS.emails + COUNTS.phones + COUNTS.ips);
    assert.equal(result.dropped_by_rule['exact-duplicate'], COUNTS.exactDuplicates + 1);
    assert.equal(result.dropped_by_rule.weight, COUNTS.weightOutOfRange);
    assert.deepEqual(result.dropped.at(-1), { source: 'second.jsonl', line: 2, reasons: ['exact-duplicate'] });
    assert.equal(result.sources[1]!.kept, 1);
  });

  test('format drops the rows with a cookbook format error, and only them', async () => {
    const result = await cleanFiles([source], { out: join(dir, 'clean-format.jsonl'), drop: ['format'] });
    const at = planted.lines;
    // An empty assistant content ("", not "   ") is the cookbook's missing_content.
    const emptyContent = at.emptyAssistant.filter((line) => /"content":""/.test(planted.text.split('\n')[line - 1]!));
    const expected = [...at.messageMissingKey, ...at.unrecognizedKey, ...at.unrecognizedRole, ...emptyContent].sort((a, b) => a - b);
    assert.equal(emptyContent.length, COUNTS.emptyAssistant / 2);
    assert.equal(result.dropped_by_rule.format, COUNTS.messageMissingKey + COUNTS.unrecognizedKey + COUNTS.unrecognizedRole + COUNTS.emptyAssistant / 2);
    assert.deepEqual(result.dropped.map((d) => [d.line, d.reasons]), expected.map((line) => [line, ['format']]));
  });

  test('an unknown rule is an error that lists the known ones', async () => {
    await assert.rejects(
      runTool(findTool('data_clean'), { inputs: ['planted.jsonl'], out: 'x.jsonl', drop: ['parse,typo'] }, context()),
      /unknown drop rule "typo"; known: parse, format, empty-assistant/,
    );
  });

  test('through the registry: OUT, its manifest with every dropped row, and the audit before and after', async () => {
    const output = (await runTool(findTool('data_clean'), { inputs: ['planted.jsonl'], out: 'out/clean.jsonl', drop: ['parse,empty-assistant', 'alternation'] }, context())) as {
      manifest: string;
      before: { counts: Record<string, number> };
      after: { counts: Record<string, number> };
    };
    assert.equal(output.before.counts.empty_assistant_rows, COUNTS.emptyAssistant);
    assert.equal(output.after.counts.empty_assistant_rows, 0);
    const manifest = JSON.parse(readFileSync(join(dir, output.manifest), 'utf8')) as { dropped: Array<{ line: number; reasons: string[] }> };
    assert.equal(manifest.dropped.length, UNPARSED + COUNTS.emptyAssistant + COUNTS.alternation);
    assert.ok(manifest.dropped.every((d) => d.line > 0 && d.reasons.length === 1));
  });

  test('OUT and its manifest are committed together: a cancel at any progress report, or in the after-work, leaves both as they were', async () => {
    const folder = join(dir, 'clean-commit');
    mkdirSync(folder);
    const [out, manifest] = [join(folder, 'out.jsonl'), join(folder, 'out.jsonl.manifest.json')];
    const args = (drop: string[]) => ({ inputs: ['large.jsonl'], out: 'clean-commit/out.jsonl', drop });
    await runTool(findTool('data_clean'), args(['parse']), context());
    const previous = [readFileSync(out, 'utf8'), readFileSync(manifest, 'utf8')];
    const unchanged = (why: string) => {
      assert.deepEqual([readFileSync(out, 'utf8'), readFileSync(manifest, 'utf8')], previous, why);
      assert.deepEqual(temps(folder), [], why);
    };
    const reports: Progress[] = [];
    await runTool(findTool('data_clean'), { ...args([...DEFAULT_DROP]), out: 'clean-commit/dry-run.jsonl' }, context(undefined, (p) => reports.push(p)));
    // Progress comes from each pass: the audit of the inputs, the clean, the audit of OUT before it is committed.
    assert.deepEqual([...new Set(reports.map((p) => p.message!.replace(/: [\d,]+ rows$/, '')))], ['auditing the inputs', 'cleaning', 'auditing clean-commit/dry-run.jsonl']);
    await cancelAtEachReport(reports.length, (onProgress, signal) => runTool(findTool('data_clean'), args([...DEFAULT_DROP]), context(signal, onProgress)), unchanged);
    // In the after-work (the tool's after-audit and manifest run there): the files it gives are not written either.
    const controller = new AbortController();
    const late = cleanFiles([large], {
      out,
      signal: controller.signal,
      beforeCommit: async () => {
        controller.abort();
        return [{ path: manifest, text: 'new manifest' }];
      },
    });
    await assert.rejects(late, { code: 'CANCELLED' });
    unchanged('cancelled before the commit');
    // Run to the end: both new, the manifest describing this OUT; a cancel after it returned changes nothing.
    const finished = new AbortController();
    const output = (await runTool(findTool('data_clean'), args([...DEFAULT_DROP]), context(finished.signal))) as { output: { sha256: string; rows: number } };
    finished.abort();
    const written = JSON.parse(readFileSync(manifest, 'utf8')) as { drop: string[]; output: { sha256: string }; after: { rows: number } };
    assert.deepEqual(written.drop, [...DEFAULT_DROP]);
    assert.equal(written.output.sha256, sha256(out));
    assert.equal(output.output.sha256, sha256(out));
    assert.equal(written.after.rows, output.output.rows);
    assert.equal(sha256(out), sha256(join(folder, 'dry-run.jsonl')));
  });

  test('a cancelled clean leaves no output and no temp file', async () => {
    const big = join(dir, 'big.jsonl');
    writeFileSync(big, plantedDataset({ ...COUNTS, clean: 20_000 }).text);
    const controller = new AbortController();
    await assert.rejects(
      cleanFiles([big], { out: join(dir, 'cancelled.jsonl'), signal: controller.signal, onProgress: () => controller.abort() }),
      (e: { code?: string }) => e.code === 'CANCELLED',
    );
    assert.equal(existsSync(join(dir, 'cancelled.jsonl')), false);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });
});

describe('data scrub', () => {
  test('every email, phone and IP is replaced; a re-audit finds none; other rows are copied as written', async () => {
    const out = join(dir, 'scrubbed.jsonl');
    const result = await scrubFile(source, { out });
    assert.deepEqual(result.replaced, { email: COUNTS.emails, phone: COUNTS.phones, ip: COUNTS.ips });
    assert.equal(result.rows_changed, COUNTS.emails + COUNTS.phones + COUNTS.ips);
    assert.equal(result.unparsed_copied, UNPARSED);
    const audit = await auditFiles([out], { near: false });
    assert.deepEqual([audit.counts.rows_with_email.count, audit.counts.rows_with_phone.count, audit.counts.rows_with_ip.count], [0, 0, 0]);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /Write to \[EMAIL\] about it\./);
    // Every planted phone format: (555) 123-4500, +15551234501, +1 5551234502, +44 20 7946 4503.
    assert.equal(text.match(/Call \[PHONE\] for help\./g)?.length, COUNTS.phones);
    const unchanged = lines.filter((l) => !/@example|Call |10\.0\./.test(l));
    assert.equal(unchanged.filter((l) => text.includes(l)).length, unchanged.length);
  });

  test("a tool call's arguments are scrubbed too, and stay JSON", async () => {
    const input = join(dir, 'pii-calls.jsonl');
    const call = { id: 'c1', type: 'function', function: { name: 'send_mail', arguments: JSON.stringify({ to: 'ann@example.com', host: '10.1.2.3' }) } };
    writeFileSync(
      input,
      `${JSON.stringify({ messages: [{ role: 'user', content: 'Mail Ann.' }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'c1', content: 'sent' }, { role: 'assistant', content: 'Sent.' }] })}\n` +
        `${JSON.stringify({ messages: [{ role: 'user', content: 'Call Bob.' }, { role: 'assistant', content: '', function_call: { name: 'dial', arguments: '{"number":"+15551234567"}' } }] })}\n`,
    );
    const out = join(dir, 'pii-calls-out.jsonl');
    const result = await scrubFile(input, { out });
    assert.deepEqual(result.replaced, { email: 1, phone: 1, ip: 1 });
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { messages: Array<{ tool_calls?: Array<{ function: { arguments: string } }>; function_call?: { arguments: string } }> });
    assert.deepEqual(JSON.parse(rows[0]!.messages[1]!.tool_calls![0]!.function.arguments), { to: '[EMAIL]', host: '[IP]' });
    assert.deepEqual(JSON.parse(rows[1]!.messages[1]!.function_call!.arguments), { number: '[PHONE]' });
  });

  test("the audit counts PII found only in a call's arguments, read as bytes or decoded; after scrub a re-audit counts none", async () => {
    const input = join(dir, 'pii-in-calls.jsonl');
    const call = { id: 'c1', type: 'function', function: { name: 'send_mail', arguments: JSON.stringify({ to: 'ann@example.com', host: '10.1.2.3' }) } };
    const mail = JSON.stringify({ messages: [{ role: 'user', content: 'Mail Zoë.' }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'c1', content: 'sent' }, { role: 'assistant', content: 'Sent.' }] });
    const dial = JSON.stringify({ messages: [{ role: 'user', content: 'Call Bob.' }, { role: 'assistant', function_call: { name: 'dial', arguments: '{"number":"+15551234567"}' } }] });
    // Line 3 is line 1 with its "ë" escaped: the audit decodes such a row instead of reading it as bytes.
    writeFileSync(input, `${mail}\n${dial}\n${mail.replace('ë', '\\u00eb')}\n`);
    const lines = async (path: string) => {
      const { counts } = await auditFiles([path], { near: false });
      return [counts.rows_with_email, counts.rows_with_phone, counts.rows_with_ip].map((c) => c.lines.map((p) => p.line));
    };
    assert.deepEqual(await lines(input), [[1, 3], [2], [1, 3]]);
    const out = join(dir, 'pii-in-calls-out.jsonl');
    assert.deepEqual((await scrubFile(input, { out })).replaced, { email: 2, phone: 1, ip: 2 });
    assert.deepEqual(await lines(out), [[], [], []]);
    // clean's pii rule looks where the audit does: its after-audit has none left.
    const cleaned = await cleanFiles([input], { out: join(dir, 'pii-in-calls-clean.jsonl'), drop: ['pii'] });
    assert.deepEqual(cleaned.dropped.map((d) => d.line), [1, 2, 3]);
  });

  test('--consistent gives one value one numbered placeholder, across formats', async () => {
    const input = join(dir, 'pii-formats.jsonl');
    writeFileSync(
      input,
      [
        { messages: [{ role: 'user', content: 'mail ann@example.com' }, { role: 'assistant', content: 'ann@example.com, or bob@example.com.' }], weight: 0.5, difficulty: 'easy' },
        { conversations: [{ from: 'human', value: 'ANN@example.com at 10.1.2.3' }, { from: 'gpt', value: 'ok.' }] },
        { instruction: 'Call +1 555 123 4567', input: '', output: 'Done.' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const out = join(dir, 'pii-out.jsonl');
    await scrubFile(input, { out, consistent: true });
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(rows[0], { messages: [{ role: 'user', content: 'mail [EMAIL_1]' }, { role: 'assistant', content: '[EMAIL_1], or [EMAIL_2].' }], weight: 0.5, difficulty: 'easy' });
    assert.deepEqual(rows[1], { conversations: [{ from: 'human', value: '[EMAIL_1] at [IP_1]' }, { from: 'gpt', value: 'ok.' }] });
    assert.deepEqual(rows[2], { instruction: 'Call [PHONE_1]', input: '', output: 'Done.' });
  });
});

describe('data convert', () => {
  const input = join(dir, 'mixed-formats.jsonl');
  writeFileSync(
    input,
    [
      { messages: [{ role: 'system', content: 'Tutor.' }, { role: 'user', content: 'Hi?' }, { role: 'assistant', content: 'Hello.' }], weight: 0.8, difficulty: 'easy', agent: 'a1' },
      { messages: [{ role: 'user', content: 'Q?' }, { role: 'assistant', content: 'A.', weight: 1 }] },
      { conversations: [{ from: 'human', value: 'One?' }, { from: 'gpt', value: 'Two.' }, { from: 'human', value: 'Three?' }, { from: 'gpt', value: 'Four.' }] },
      { instruction: 'Translate', input: 'hola', output: 'hello' },
      { messages: [{ role: 'narrator', content: 'x' }, { role: 'assistant', content: 'y.' }] },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n') + '\nnot json\n',
  );

  test('Unsloth -> OpenAI strips row weights and metadata and says so; every output row passes OpenAI\'s schema', async () => {
    const out = join(dir, 'openai.jsonl');
    const result = await convertFile(input, { out, to: 'openai' });
    assert.equal(result.converted, 4);
    assert.deepEqual(result.dropped, { 'metadata field difficulty': 1, 'metadata field agent': 1, 'row weight': 1 });
    assert.deepEqual(result.skipped.first, [
      { line: 5, reason: 'role "narrator" is not an OpenAI role' },
      { line: 6, reason: 'not JSON' },
    ]);
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
    for (const row of rows) assert.equal(OpenAIRow.safeParse(row).success, true);
    assert.deepEqual(rows[1], { messages: [{ role: 'user', content: 'Q?' }, { role: 'assistant', content: 'A.', weight: 1 }] });
    assert.deepEqual(rows[3], { messages: [{ role: 'user', content: 'Translate\n\nhola' }, { role: 'assistant', content: 'hello' }] });
  });

  test('to Alpaca, multi-turn rows are skipped with their lines; to ShareGPT, roles become from/value', async () => {
    const alpaca = await convertFile(input, { out: join(dir, 'alpaca.jsonl'), to: 'alpaca' });
    assert.equal(alpaca.skipped.first.find((s) => s.line === 3)?.reason, 'Alpaca holds one user turn and one assistant reply; this row has other turns');
    const first = JSON.parse(readFileSync(join(dir, 'alpaca.jsonl'), 'utf8').split('\n')[0]!) as Record<string, unknown>;
    assert.deepEqual(first, { instruction: 'Hi?', input: '', output: 'Hello.', system: 'Tutor.', difficulty: 'easy', agent: 'a1', weight: 0.8 });
    const sharegpt = await convertFile(input, { out: join(dir, 'sharegpt.jsonl'), to: 'sharegpt' });
    assert.equal(sharegpt.converted, 5);
    const row = JSON.parse(readFileSync(join(dir, 'sharegpt.jsonl'), 'utf8').split('\n')[1]!) as unknown;
    assert.deepEqual(row, { conversations: [{ from: 'human', value: 'Q?' }, { from: 'gpt', value: 'A.' }] });
  });

  test('through the registry with --to checked', async () => {
    await assert.rejects(runTool(findTool('data_convert'), { input: 'mixed-formats.jsonl', out: 'y.jsonl', to: 'csv' }, context()), /to: Invalid option/);
    const output = (await runTool(findTool('data_convert'), { input: 'mixed-formats.jsonl', out: 'y.jsonl', to: 'unsloth' }, context())) as { converted: number };
    assert.equal(output.converted, 5);
  });
});

describe('data convert: what a message holds besides its text', () => {
  const call = { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } };
  const tools = [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  const image = { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } };
  const rows = [
    // Unsloth: a tool call with no content, its result, names, tools; a row weight and metadata.
    {
      messages: [
        { role: 'user', content: 'Weather in Oslo?', name: 'ann' },
        { role: 'assistant', tool_calls: [call] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"c":21}' },
        { role: 'assistant', content: 'It is 21 degrees.', weight: 1 },
      ],
      tools,
      parallel_tool_calls: false,
      weight: 0.7,
      source: 'synth',
      difficulty: 'easy',
    },
    // Unsloth vision row: content as parts, a weight OpenAI does not take, a field it does not know.
    {
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, image, { type: 'text', text: ' Be brief.' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'A cat.' }], weight: 0.5, thinking: 'small, furry' },
      ],
      weight: 1,
      source: 'vision',
    },
    // OpenAI, the legacy way: function_call, a function's result by name, functions.
    {
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: null, function_call: { name: 'weather', arguments: '{}' } },
        { role: 'function', name: 'weather', content: '{"c":21}' },
        { role: 'assistant', content: 'Mild.' },
      ],
      functions: [{ name: 'weather', parameters: {} }],
    },
    { messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: [{ type: 'text', text: 'Describe' }, image], name: 'bo' }, { role: 'assistant', content: 'A dog.', weight: 1 }], weight: 0.9, difficulty: 'hard' },
    { messages: [{ role: 'user', content: 'Ping?' }, { role: 'assistant', content: null, tool_calls: [call] }], tools },
    { conversations: [{ from: 'human', value: 'Hi', lang: 'en' }, { from: 'gpt', value: 'Hello.', weight: 1 }] },
  ];
  const text = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const input = join(dir, 'fields.jsonl');
  writeFileSync(input, text);
  const convert = async (to: 'openai' | 'unsloth' | 'sharegpt' | 'alpaca') => {
    const out = join(dir, `fields-${to}.jsonl`);
    const result = await convertFile(input, { out, to });
    return { result, written: readFileSync(out, 'utf8'), rows: readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown) };
  };

  test('to OpenAI: tool calls, tool_call_id, function_call, names, content parts and tools are kept; only the row weight, metadata and what OpenAI does not take go, counted', async () => {
    const { result, written, rows: out } = await convert('openai');
    assert.deepEqual(out, [
      {
        messages: [
          { role: 'user', content: 'Weather in Oslo?', name: 'ann' },
          { role: 'assistant', tool_calls: [call] },
          { role: 'tool', tool_call_id: 'call_1', content: '{"c":21}' },
          { role: 'assistant', content: 'It is 21 degrees.', weight: 1 },
        ],
        tools,
        parallel_tool_calls: false,
      },
      { messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, image, { type: 'text', text: ' Be brief.' }] }, { role: 'assistant', content: [{ type: 'text', text: 'A cat.' }] }] },
      rows[2],
      { messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: [{ type: 'text', text: 'Describe' }, image], name: 'bo' }, { role: 'assistant', content: 'A dog.', weight: 1 }] },
      rows[4],
      { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello.' }] },
    ]);
    // Rows OpenAI already takes are copied byte for byte.
    assert.deepEqual([written.split('\n')[2], written.split('\n')[4]], [JSON.stringify(rows[2]), JSON.stringify(rows[4])]);
    for (const row of out) assert.equal(OpenAIRow.safeParse(row).success, true);
    assert.equal(result.converted, 6);
    assert.deepEqual(result.dropped, {
      'row weight': 3,
      'metadata field source': 2,
      'metadata field difficulty': 2,
      'message weight other than 0/1 on an assistant turn': 1,
      'message field thinking': 1,
      'turn field lang': 1,
      'turn field weight': 1,
    });
  });

  test('to Unsloth: OpenAI and Unsloth rows are kept whole', async () => {
    const { result, rows: out } = await convert('unsloth');
    assert.deepEqual(out, [...rows.slice(0, 5), { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello.' }] }]);
    assert.deepEqual(result.dropped, { 'turn field lang': 1, 'turn field weight': 1 });
  });

  test('to ShareGPT: texts only; each kind of thing left out is counted, row fields (tools too) are kept', async () => {
    const { result, rows: out } = await convert('sharegpt');
    assert.deepEqual(out, [
      {
        conversations: [{ from: 'human', value: 'Weather in Oslo?' }, { from: 'gpt', value: '' }, { from: 'tool', value: '{"c":21}' }, { from: 'gpt', value: 'It is 21 degrees.' }],
        tools,
        parallel_tool_calls: false,
        source: 'synth',
        difficulty: 'easy',
        weight: 0.7,
      },
      { conversations: [{ from: 'human', value: 'What is this? Be brief.' }, { from: 'gpt', value: 'A cat.' }], source: 'vision', weight: 1 },
      { conversations: [{ from: 'human', value: 'Weather?' }, { from: 'gpt', value: '' }, { from: 'function', value: '{"c":21}' }, { from: 'gpt', value: 'Mild.' }], functions: [{ name: 'weather', parameters: {} }] },
      { conversations: [{ from: 'system', value: 'Be kind.' }, { from: 'human', value: 'Describe' }, { from: 'gpt', value: 'A dog.' }], difficulty: 'hard', weight: 0.9 },
      { conversations: [{ from: 'human', value: 'Ping?' }, { from: 'gpt', value: '' }], tools },
      rows[5],
    ]);
    assert.deepEqual(result.dropped, {
      'message field name': 3,
      'message field tool_calls': 2,
      'message field tool_call_id': 1,
      'message field function_call': 1,
      'message field weight': 3,
      'message field thinking': 1,
      'content part image_url': 2,
      'content text parts joined into one text': 1,
    });
  });

  test('to Alpaca: one exchange a row; what it leaves out of the rows it takes is counted', async () => {
    const { result, rows: out } = await convert('alpaca');
    assert.deepEqual(out, [
      { instruction: 'What is this? Be brief.', input: '', output: 'A cat.', source: 'vision', weight: 1 },
      { instruction: 'Describe', input: '', output: 'A dog.', system: 'Be kind.', difficulty: 'hard', weight: 0.9 },
      { instruction: 'Ping?', input: '', output: '', tools },
      { instruction: 'Hi', input: '', output: 'Hello.' },
    ]);
    assert.deepEqual(result.skipped.first.map((s) => s.line), [1, 3]);
    assert.deepEqual(result.dropped, {
      'message field name': 1,
      'message field tool_calls': 1,
      'message field weight': 2,
      'message field thinking': 1,
      'content part image_url': 2,
      'content text parts joined into one text': 1,
      'turn field lang': 1,
      'turn field weight': 1,
    });
  });

  test('content that is neither text nor parts: counted where it cannot be kept, skipped where the target refuses it', () => {
    const value = { messages: [{ role: 'user', content: 42 }, { role: 'assistant', content: 'A.' }], source: 'x' };
    const row = { chat: toChatRow(value)!, value };
    assert.deepEqual(convertRow(row, 'sharegpt'), { row: { conversations: [{ from: 'human', value: '' }, { from: 'gpt', value: 'A.' }], source: 'x' }, lost: ['message content that is neither text nor parts'] });
    assert.deepEqual(convertRow(row, 'openai'), { skip: 'does not fit the target format: messages.0.content: Invalid input' });
  });
});
