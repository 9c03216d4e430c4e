import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { silentLogger } from '../src/log.ts';
import { AuditAccumulator } from '../src/pipeline/audit/accumulator.ts';
import { auditFiles, auditMarkdown, fineTuneModel, OPENAI_FILE_RULES, TokenCounter, validateFile } from '../src/pipeline/index.ts';
import type { AuditReport, ValidationReport } from '../src/pipeline/index.ts';
import { findTool, runTool, workspaceResolver } from '../src/tools/index.ts';
import { cleanRow, plantedDataset, rng } from './helpers/datasets.ts';
import { dataUrl, gif, imagePart, jpeg, png, webp } from './helpers/images.ts';

const dir = mkdtempSync(join(tmpdir(), 'quimbot-validate-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, rows: unknown[]) => {
  const path = join(dir, name);
  writeFileSync(path, rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n');
  return path;
};
const random = rng(3);
const clean = (n: number) => Array.from({ length: n }, (_, i) => cleanRow(random, i));
const registryContext = { workspace: dir, resolvePath: workspaceResolver(dir, true), signal: new AbortController().signal, progress: () => {}, log: silentLogger };
const OPENAI_IMAGE_RULES_BYTES = 10 * 1024 * 1024;
const counts = (report: ValidationReport) => Object.fromEntries(report.checks.map((c) => [c.name, [c.count, c.lines]]));

describe('data validate --target openai', () => {
  test('a clean OpenAI file of twelve examples is valid', async () => {
    const report = await validateFile(file('ok.jsonl', clean(12)));
    assert.deepEqual([report.valid, report.rows, report.checks], [true, 12, []]);
  });

  test('Unsloth rows are rejected for their row weight, with every line counted', async () => {
    const planted = plantedDataset({ clean: 15, parseErrors: 1, missingMessages: 0, emptyAssistant: 0, alternation: 0, exactDuplicates: 0, emails: 0, phones: 0, ips: 0, noFinalPunct: 0, weightOutOfRange: 2, blankLines: 1 });
    const path = join(dir, 'unsloth.jsonl');
    writeFileSync(path, planted.text);
    const report = await validateFile(path);
    assert.equal(report.valid, false);
    assert.equal(report.rows, 18);
    const found = counts(report);
    assert.equal((found.unrecognized_row_key as [number])[0], 17);
    assert.equal((found.not_json as [number])[0], 1);
  });

  test("the cookbook's format errors, each with its count and lines", async () => {
    const planted = plantedDataset({
      clean: 12, parseErrors: 0, missingMessages: 2, emptyAssistant: 0, alternation: 0, exactDuplicates: 0, emails: 0, phones: 0, ips: 0, noFinalPunct: 0, weightOutOfRange: 0, blankLines: 0,
      dataType: 3, messageMissingKey: 2, unrecognizedKey: 4, unrecognizedRole: 1,
    });
    const path = join(dir, 'cookbook.jsonl');
    writeFileSync(path, planted.text);
    const report = await validateFile(path);
    const { lines: at } = planted;
    assert.deepEqual(counts(report), {
      data_type: [3, at.dataType],
      missing_messages_list: [2, at.missingMessages],
      message_missing_key: [2, at.messageMissingKey],
      message_unrecognized_key: [4, at.unrecognizedKey],
      unrecognized_role: [1, at.unrecognizedRole],
      missing_content: [2, at.messageMissingKey],
      unrecognized_row_key: [12, at.clean.slice(0, 10)], // their row weight; lines kept: the first 10
    });
  });

  test('weights other than 0/1, or on other roles; missing assistant; too few examples', async () => {
    const rows = [
      ...clean(5),
      { messages: [{ role: 'user', content: 'Q?' }, { role: 'assistant', content: 'A.', weight: 0.5 }] },
      { messages: [{ role: 'user', content: 'Q?', weight: 1 }, { role: 'assistant', content: 'A.' }] },
      { messages: [{ role: 'user', content: 'Only a question?' }] },
      { messages: [{ role: 'user', content: 'Q?' }, { role: 'assistant', content: 'A.', weight: 0 }] },
    ];
    const report = await validateFile(file('weights.jsonl', rows));
    assert.deepEqual(counts(report), {
      example_missing_assistant_message: [1, [8]],
      invalid_weight: [2, [6, 7]],
      min_examples: [1, []],
    });
  });

  test("an example longer than the model's training context", async () => {
    const long = { messages: [{ role: 'user', content: 'word '.repeat(20_000) }, { role: 'assistant', content: 'Fine.' }] };
    const report = await validateFile(file('long.jsonl', [...clean(10), long]), { model: 'gpt-3.5-turbo' });
    assert.deepEqual(counts(report).too_many_tokens, [1, [11]]);
    assert.equal((await validateFile(join(dir, 'long.jsonl'), { model: 'gpt-4o-mini' })).valid, true);
  });

  test("a file over OpenAI's 512 MB is rejected for its size, before a row is read", { timeout: 10_000 }, async () => {
    // Sparse: 512 MB and one byte of which only twelve rows are written, the rest a hole (no disk, and zeros if read).
    const path = file('huge.jsonl', clean(12));
    truncateSync(path, OPENAI_FILE_RULES.maxBytes + 1);
    assert.equal(OPENAI_FILE_RULES.maxBytes, 512 * 1024 * 1024);
    const started = performance.now();
    const report = await validateFile(path);
    assert.ok(performance.now() - started < 1000, 'not read');
    assert.deepEqual(report, {
      valid: false,
      target: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
      bytes: 512 * 1024 * 1024 + 1,
      rows: 0,
      tokens: 0,
      images: { examples: 0, images: 0, byUrl: 0, tokens: 0 },
      checks: [{ name: 'file_size', message: "the file is over OpenAI's 512 MB upload limit (its rows were not read: split it first)", count: 1, lines: [] }],
    });
    rmSync(path);
  });

  test('a pipe, which has no size up front, is held to the limit on the bytes read, and its rows get every other check', async () => {
    // A small limit stands in for 512 MB: the same check, a few KB over it.
    const text = [...clean(12), 'not json', { messages: [{ role: 'user', content: 'Q?' }, { role: 'assistant', content: 'A.', weight: 0.5 }] }]
      .map((r) => (typeof r === 'string' ? r : JSON.stringify(r)))
      .join('\n') + '\n';
    const bytes = Buffer.byteLength(text);
    const maxBytes = bytes - 1000;
    assert.ok(maxBytes > 1000, 'a few KB');
    const piped = async (name: string, limit: number) => {
      const fifo = join(dir, name);
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
      createWriteStream(fifo).end(text);
      return validateFile(fifo, { maxBytes: limit });
    };
    const over = await piped('over.fifo', maxBytes);
    assert.deepEqual([over.valid, over.bytes, over.rows], [false, bytes, 14]);
    assert.deepEqual(over.checks[0], {
      name: 'file_size',
      message: `the input is over OpenAI's ${maxBytes} bytes upload limit (a pipe: its bytes were counted as its rows were checked): split it first`,
      count: 1,
      lines: [],
    });
    assert.deepEqual(counts(over), { file_size: [1, []], not_json: [1, [13]], invalid_weight: [1, [14]] });
    // At the limit is within it.
    const within = await piped('within.fifo', bytes);
    assert.deepEqual(counts(within), { not_json: [1, [13]], invalid_weight: [1, [14]] });
    assert.equal(within.bytes, bytes);
  });

  test('through the registry, the exit status says whether it would be rejected', async () => {
    const tool = findTool('data_validate');
    const context = { workspace: dir, resolvePath: workspaceResolver(dir, true), signal: new AbortController().signal, progress: () => {}, log: silentLogger };
    assert.equal(tool.exitCode!(await runTool(tool, { file: 'ok.jsonl' }, context)), 0);
    assert.equal(tool.exitCode!(await runTool(tool, { file: 'weights.jsonl' }, context)), 1);
    await assert.rejects(runTool(tool, { file: 'ok.jsonl', model: 'gpt-9' }, context), /unknown model "gpt-9"/);
  });
});

// What OpenAI's fine-tuning API accepts and the cookbook's script flags (the audit's counts).
const call = { id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{"word":"cat"}' } };
const image = imagePart(dataUrl(png(2, 2))); // one 512-px tile: 255 tokens
const accepted = [
  { messages: [{ role: 'user', content: [{ type: 'text', text: 'Spell ' }, { type: 'text', text: 'cat?' }] }, { role: 'assistant', content: [{ type: 'text', text: 'C, A, T.' }] }] },
  { messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, image] }, { role: 'assistant', content: 'A cat.' }] },
  { messages: [{ role: 'user', content: 'Define cat.' }, { role: 'assistant', tool_calls: [call] }, { role: 'tool', tool_call_id: 'c1', content: 'a small feline' }, { role: 'assistant', content: 'A small feline.' }] },
  { messages: [{ role: 'user', content: 'Define cat.' }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'c1', content: 'a small feline' }, { role: 'assistant', content: 'A small feline.' }] },
  { messages: [{ role: 'user', content: 'Define cat.' }, { role: 'assistant', function_call: call.function }, { role: 'function', name: 'lookup', content: 'a small feline' }, { role: 'assistant', content: 'A small feline.' }] },
];
const tenClean = clean(10);

describe('data validate: what OpenAI accepts beyond the cookbook', () => {
  test('content parts (text; images in user messages), a call without content, tool and function results are valid; the audit still counts them as the cookbook does', async () => {
    const path = file('accepted.jsonl', [...tenClean, ...accepted]);
    const report = await validateFile(path, { model: 'gpt-4o' });
    assert.deepEqual([report.valid, report.rows, report.checks], [true, 15, []]);
    const audit = await auditFiles([path], { near: false });
    const lines = (name: 'missing_content' | 'message_missing_key') => audit.counts[name].lines.map((p) => p.line);
    assert.deepEqual([lines('missing_content'), lines('message_missing_key')], [[11, 12], [13, 15]]);
  });

  test("a text part's tokens are its text's, as if given as a string; an image part adds its own", async () => {
    const asStrings = [
      { messages: [{ role: 'user', content: 'Spell cat?' }, { role: 'assistant', content: 'C, A, T.' }] },
      { messages: [{ role: 'user', content: 'What is this?' }, { role: 'assistant', content: 'A cat.' }] },
    ];
    const model = 'gpt-4o';
    const parts = await validateFile(file('parts.jsonl', [...tenClean, ...accepted.slice(0, 2)]), { model });
    const strings = await validateFile(file('strings.jsonl', [...tenClean, ...asStrings]), { model });
    const plain = await validateFile(file('ten.jsonl', tenClean), { model });
    assert.ok(strings.tokens - plain.tokens > 20, 'the two rows count');
    assert.equal(parts.tokens, strings.tokens + 255);
    assert.deepEqual(parts.images, { examples: 1, images: 1, byUrl: 0, tokens: 255 });
  });

  test('what OpenAI refuses is still refused, each with its check', async () => {
    const rows = [
      ...tenClean,
      { messages: [{ role: 'user', content: 'Draw a cat.' }, { role: 'assistant', content: [image] }] },
      { messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } }] }, { role: 'assistant', content: 'Meow.' }] },
      { messages: [{ role: 'user', content: [{ type: 'text', text: 7 }] }, { role: 'assistant', content: 'Seven.' }] },
      { messages: [{ role: 'user', content: [] }, { role: 'assistant', content: 'Nothing.' }] },
      { messages: [{ role: 'user', content: 'Define cat.' }, { role: 'assistant', tool_calls: [] }] },
      { messages: [{ role: 'user', content: 'Define cat.' }, { role: 'assistant', content: null }] },
      // Calls: no id, another type, arguments as an object, a function_call without a name; a
      // tool's result for a call never made, and one with no tool_call_id.
      ...[{ ...call, id: undefined }, { ...call, type: 'retrieval' }, { ...call, function: { name: 'lookup', arguments: { word: 'cat' } } }].map((bad) => ({
        messages: [{ role: 'user', content: 'Define cat.' }, { role: 'assistant', tool_calls: [bad] }, { role: 'assistant', content: 'A small feline.' }],
      })),
      { messages: [{ role: 'user', content: 'Define cat.' }, { role: 'assistant', function_call: { arguments: '{}' } }, { role: 'assistant', content: 'A small feline.' }] },
      { messages: [{ role: 'user', content: 'Define cat.' }, { role: 'assistant', tool_calls: [call] }, { role: 'tool', tool_call_id: 'c2', content: 'a small feline' }, { role: 'assistant', content: 'A small feline.' }] },
      { messages: [{ role: 'user', content: 'Define cat.' }, { role: 'assistant', tool_calls: [call] }, { role: 'tool', content: 'a small feline' }, { role: 'assistant', content: 'A small feline.' }] },
    ];
    const report = await validateFile(file('refused.jsonl', rows));
    assert.deepEqual(counts(report), {
      message_missing_key: [1, [15]],
      missing_content: [3, [14, 15, 16]],
      invalid_content_part: [2, [12, 13]],
      image_outside_user: [1, [11]],
      image_model_unsupported: [1, [11]], // gpt-4o-mini takes no images at all
      invalid_tool_call: [6, [17, 18, 19, 20, 21, 22]],
    });
    assert.match(report.checks.find((c) => c.name === 'image_outside_user')!.message, /only in user messages/);
  });
});

describe("the configuration's fine-tuning models", () => {
  test('a configured price or limit overrides the published one under its name or alias; a new model needs both', () => {
    assert.deepEqual(fineTuneModel('gpt-4o-mini'), { name: 'gpt-4o-mini-2024-07-18', contextLimit: 65_536, pricePerMillion: 3, encoding: 'o200k_base', vision: false });
    assert.equal(fineTuneModel('gpt-4o-mini', { 'gpt-4o-mini': { pricePerMillion: 2 } })?.pricePerMillion, 2);
    assert.equal(fineTuneModel('gpt-4o-mini', { 'gpt-4o-mini-2024-07-18': { pricePerMillion: 2 } })?.pricePerMillion, 2);
    assert.equal(fineTuneModel('gpt-4o-mini', { 'gpt-4o-mini': { contextLimit: 100 } })?.pricePerMillion, 3);
    assert.equal(fineTuneModel('my-llama', { 'my-llama': { contextLimit: 8192 } }), null);
    assert.deepEqual(fineTuneModel('my-llama', { 'my-llama': { contextLimit: 8192, pricePerMillion: 0.5, encoding: 'cl100k_base' } }), {
      name: 'my-llama',
      contextLimit: 8192,
      pricePerMillion: 0.5,
      encoding: 'cl100k_base',
      vision: false,
    });
  });

  test("through the registry, validate and audit use the context's models: the limit and the price", async () => {
    const context = { workspace: dir, resolvePath: workspaceResolver(dir, true), signal: new AbortController().signal, progress: () => {}, log: silentLogger };
    const fineTuneModels = { tiny: { contextLimit: 50, pricePerMillion: 1000 } };
    await assert.rejects(runTool(findTool('data_validate'), { file: 'ok.jsonl', model: 'tiny' }, context), /unknown model "tiny"/);
    const validation = (await runTool(findTool('data_validate'), { file: 'ok.jsonl', model: 'tiny' }, { ...context, fineTuneModels })) as ValidationReport;
    assert.equal(counts(validation).too_many_tokens?.[0], 12);
    const audit = (await runTool(findTool('data_audit'), { files: ['ok.jsonl'], near: false, model: 'tiny' }, { ...context, fineTuneModels })) as AuditReport;
    assert.equal(audit.counts.over_context_rows.count, 12);
    assert.equal(audit.tokens.price_per_million, 1000);
    assert.equal(audit.tokens.estimated_cost_usd, Math.round(((audit.tokens.billed_tokens * 1000) / 1e6) * 100) / 100);
  });
});

// Vision fine-tuning: rows with images, held to OpenAI's image rules.
const ask = (...parts: unknown[]) => ({ messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, ...parts] }, { role: 'assistant', content: 'A cat.' }] });
const asked = ask(); // the same text, no image
const pictures = [
  imagePart(dataUrl(png(1024, 1024)), 'high'), // 765
  imagePart(dataUrl(jpeg(2048, 4096), 'image/jpeg')), // 1105 (auto counted as high)
  imagePart(dataUrl(webp('VP8L', 4096, 8192, true), 'image/webp'), 'low'), // 85
  imagePart('https://example.com/cat.png'), // unknown
];

describe('data validate: images (vision fine-tuning)', () => {
  test("each image's tokens count, from its header; one by URL is not counted and said so", async () => {
    const path = file('vision.jsonl', [...tenClean, ...pictures.map((p) => ask(p))]);
    const report = await validateFile(path, { model: 'gpt-4o' });
    const text = await validateFile(file('vision-text.jsonl', [...tenClean, ...pictures.map(() => asked)]), { model: 'gpt-4o' });
    assert.deepEqual([report.valid, report.checks], [true, []]);
    assert.deepEqual(report.images, { examples: 4, images: 4, byUrl: 1, tokens: 765 + 1105 + 85 });
    assert.equal(report.tokens, text.tokens + 765 + 1105 + 85);
    const tool = findTool('data_validate');
    const summary = tool.summarize!(await runTool(tool, { file: 'vision.jsonl', model: 'gpt-4o' }, registryContext));
    assert.match(summary, /4 images in 4 examples: 1,955 of the [\d,]+ tokens/);
    assert.match(summary, /\n {2}1 image by URL: token count is a lower bound/);
    assert.doesNotMatch(tool.summarize!(await runTool(tool, { file: 'ok.jsonl' }, registryContext)), /images/);
  });

  test("a model OpenAI does not fine-tune on images refuses every example with one; a configured one can take them", async () => {
    const rows = [...tenClean, ask(pictures[0]), asked, ask(pictures[3], pictures[2])];
    file('vision-mixed.jsonl', rows);
    for (const model of ['gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-3.5-turbo']) {
      const report = await validateFile(join(dir, 'vision-mixed.jsonl'), { model });
      assert.deepEqual(counts(report), { image_model_unsupported: [2, [11, 13]] }, model);
      assert.match(report.checks[0]!.message, new RegExp(`does not fine-tune ${report.model.replaceAll('.', '\\.')} on images`));
    }
    assert.equal((await validateFile(join(dir, 'vision-mixed.jsonl'), { model: 'gpt-4o-2024-08-06' })).valid, true);
    assert.equal((await validateFile(join(dir, 'vision-mixed.jsonl'), { model: 'gpt-4.1', models: { 'gpt-4.1': { vision: true } } })).valid, true);
    const tool = findTool('data_validate');
    assert.equal(tool.exitCode!(await runTool(tool, { file: 'vision-mixed.jsonl' }, registryContext)), 1);
    assert.equal(tool.exitCode!(await runTool(tool, { file: 'vision-mixed.jsonl', model: 'gpt-4o' }, registryContext)), 0);
  });

  test("OpenAI's image rules, each with its count and lines", { timeout: 20_000 }, async () => {
    const small = imagePart(dataUrl(png(2, 2)));
    // Over 10 MB decoded: a real PNG padded with an ancillary chunk.
    const huge = imagePart(dataUrl(png(2, 2, 'RGB', OPENAI_IMAGE_RULES_BYTES + 1)));
    const justUnder = imagePart(dataUrl(png(2, 2, 'RGB', OPENAI_IMAGE_RULES_BYTES - png(2, 2, 'RGB', 0).length - 12)));
    const rows = [
      ...tenClean,
      ask(...Array.from({ length: 10 }, () => small)), // 11: ten images, the most
      ask(...Array.from({ length: 11 }, () => small)), // 12: eleven
      ask(huge), // 13
      ask(imagePart(dataUrl(gif(4, 4), 'image/gif'))), // 14
      { messages: [{ role: 'user', content: 'Draw a cat.' }, { role: 'assistant', content: [{ type: 'text', text: 'Here:' }, small] }] }, // 15
      ask(imagePart(dataUrl(png(4, 4, 'L')))), // 16: greyscale
      ask(imagePart(dataUrl(png(4, 4, 'P')))), // 17: palette
      ask(imagePart('ftp://example.com/cat.png')), // 18
      ask(imagePart('data:image/png;base64,@@@@')), // 19
      ask(imagePart(dataUrl(png(2, 2)), 'ultra')), // 20: a detail OpenAI does not take
      ask(justUnder), // 21: within the size
      ask(imagePart(dataUrl(gif(4, 4), 'image/gif')), small, imagePart(dataUrl(gif(4, 4), 'image/gif'))), // 22: counted once a row
    ];
    const report = await validateFile(file('vision-rules.jsonl', rows), { model: 'gpt-4o' });
    assert.deepEqual(counts(report), {
      invalid_content_part: [1, [20]],
      image_outside_user: [1, [15]],
      image_url_invalid: [2, [18, 19]],
      image_format: [2, [14, 22]],
      image_mode: [2, [16, 17]],
      image_too_large: [1, [13]],
      too_many_images: [1, [12]],
    });
    assert.equal(report.valid, false);
    assert.match(report.checks.find((c) => c.name === 'image_too_large')!.message, /10 MB/);
    assert.match(report.checks.find((c) => c.name === 'too_many_images')!.message, /more than OpenAI's 10 images/);
  });

  test('examples with images beyond the limit a file (a small one stands in for 50,000); text-only examples do not count', async () => {
    const rows = [...tenClean, ask(pictures[0]), asked, ask(pictures[2]), asked, ask(pictures[3]), ask(pictures[2])];
    const report = await validateFile(file('vision-many.jsonl', rows), { model: 'gpt-4o', imageRules: { maxImageExamples: 2 } });
    assert.deepEqual(counts(report), { too_many_image_examples: [2, [15, 16]] });
    assert.match(report.checks[0]!.message, /beyond OpenAI's 2 a file/);
    assert.equal((await validateFile(join(dir, 'vision-many.jsonl'), { model: 'gpt-4o', imageRules: { maxImageExamples: 4 } })).valid, true);
  });

  test("an example's images count toward the model's token limit", async () => {
    const models = { 'tiny-vision': { contextLimit: 1000, pricePerMillion: 1, vision: true } };
    const rows = [...tenClean.slice(0, 9), ask(pictures[0]), ask(pictures[0], pictures[0])]; // 765 + text fits; 1530 does not
    const report = await validateFile(file('vision-long.jsonl', rows), { model: 'tiny-vision', models });
    assert.deepEqual(counts(report), { too_many_tokens: [1, [11]] });
  });

  test("the audit counts a data URL image's tokens too, in the total and the cost", async () => {
    const withImages = await auditFiles([file('audit-vision.jsonl', [ask(pictures[0]), ask(pictures[1], pictures[3])])], { near: false, model: 'gpt-4o' });
    const without = await auditFiles([file('audit-text.jsonl', [asked, asked])], { near: false, model: 'gpt-4o' });
    assert.equal(withImages.tokens.total, without.tokens.total + 765 + 1105);
    assert.equal(withImages.tokens.billed_tokens, without.tokens.billed_tokens + (765 + 1105) * withImages.tokens.epochs);
    // The image by URL (pictures[3]) is unknown: said so in the report, its Markdown and the CLI's summary.
    assert.deepEqual([withImages.tokens.images_by_url, without.tokens.images_by_url], [1, 0]);
    assert.match(auditMarkdown(withImages), /1 image by URL: token count is a lower bound/);
    assert.doesNotMatch(auditMarkdown(without), /images by URL/);
    const tool = findTool('data_audit');
    assert.match(tool.summarize!(await runTool(tool, { files: ['audit-vision.jsonl'], near: false, model: 'gpt-4o' }, registryContext)), /\n {2}1 image by URL: token count is a lower bound/);
  });

  test("a worker's tallies carry its images by URL to the main thread", () => {
    const settings = { weightRange: [0, 1] as const, field: 'source', contextLimit: 65_536, keep: 10 };
    const worker = new AuditAccumulator(settings, new TokenCounter('o200k_base'));
    const main = new AuditAccumulator(settings, new TokenCounter('o200k_base'));
    worker.add(0, { line: 1, offset: 0, issue: null, text: JSON.stringify(ask(pictures[3], pictures[3], pictures[0])) });
    main.add(0, { line: 1, offset: 0, issue: null, text: JSON.stringify(ask(pictures[3])) });
    main.mergeSnapshot(structuredClone(worker.snapshot()), 1);
    assert.equal(main.imagesByUrl, 3);
    assert.equal(main.totalTokens, worker.totalTokens * 2 - 765); // the same text twice, one PNG
  });
});
