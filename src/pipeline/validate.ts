import { rowTokens } from './audit/checks.ts';
import { PipelineError } from './errors.ts';
import { COOKBOOK_ERRORS, OpenAIRow, openaiFormatErrors, toChatRow } from './formats.ts';
import { checkImage, OPENAI_IMAGE_RULES } from './images.ts';
import type { ImageProblem } from './images.ts';
import { fineTuneModel } from './models.ts';
import type { FineTuneModels } from './models.ts';
import { fileSizes, readRows } from './rows.ts';
import type { RowProgress } from './rows.ts';
import { TokenCounter } from './tokens.ts';

/** Providers whose upload rules `validate` knows. */
export const VALIDATE_TARGETS = ['openai'] as const;
/** One of the validation targets. */
export type ValidateTarget = (typeof VALIDATE_TARGETS)[number];

/** OpenAI's published limits for a fine-tuning file. */
export const OPENAI_FILE_RULES = { minExamples: 10, maxBytes: 512 * 1024 * 1024 } as const;

/** One rule and the rows that break it. */
export interface ValidationCheck {
  name: string;
  message: string;
  count: number;
  lines: number[];
}

/** Would the provider accept the file: every rule with its count and first lines. */
export interface ValidationReport {
  valid: boolean;
  target: ValidateTarget;
  model: string;
  bytes: number;
  rows: number;
  /**
   * Tokens of every example, as the model's tokenizer counts them, images included: what one
   * epoch of training is billed for. A lower bound when `images.byUrl` is not 0.
   */
  tokens: number;
  images: ImageCounts;
  checks: ValidationCheck[];
}

/** The file's images (content parts `image_url`). */
export interface ImageCounts {
  /** Examples with at least one image. */
  examples: number;
  images: number;
  /** Images given by http(s) URL and not of low detail: their tokens are unknown (never fetched) and not in `tokens`. */
  byUrl: number;
  /** The tokens of the others, part of the report's `tokens`. */
  tokens: number;
}

/** OpenAI's image rules, any of which a caller (a test) may set lower. */
export type ImageRules = { maxImageExamples: number; maxImagesPerExample: number; maxImageBytes: number };

const NO_IMAGES: ImageCounts = { examples: 0, images: 0, byUrl: 0, tokens: 0 };

const MESSAGES: Record<string, string> = {
  not_json: 'the line is not JSON',
  min_examples: `OpenAI needs at least ${OPENAI_FILE_RULES.minExamples} examples`,
  unrecognized_row_key: 'a key OpenAI does not accept beside messages (e.g. a row weight or metadata)',
  invalid_weight: 'weight must be 0 or 1, and only on assistant messages',
  too_many_tokens: "the example is longer than the model's training context",
  data_type: 'the row is not a JSON object',
  missing_messages_list: 'no messages list',
  message_missing_key: 'a message without role, or without content when it makes no tool or function call',
  message_unrecognized_key: 'a message key OpenAI does not accept',
  unrecognized_role: 'a role OpenAI does not accept',
  missing_content: 'a message whose content is empty or neither text nor content parts, and that makes no tool or function call',
  invalid_content_part: "a content part OpenAI does not accept: {type: 'text', text}, or {type: 'image_url', image_url: {url, detail?}} with detail low, high or auto",
  image_outside_user: 'an image in a message other than the user\'s: OpenAI takes images only in user messages (never as an assistant\'s output)',
  invalid_tool_call: "a call OpenAI does not accept: each of tool_calls needs an id, type 'function' and a function's name and arguments (a string), a function_call its name and arguments; a tool message the tool_call_id of a call made before it",
  example_missing_assistant_message: 'no assistant message',
};

/** A byte limit in words: whole megabytes (MiB) as MB, anything else (a test's limit) in bytes. */
function sizeInWords(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MB` : `${bytes} bytes`;
}

/** The image checks' messages, with the limits that apply. */
function imageMessages(rules: ImageRules, model: string): Record<string, string> {
  return {
    image_model_unsupported: `an example with images, but OpenAI does not fine-tune ${model} on images (vision fine-tuning: gpt-4o-2024-08-06; a configured model can say vision: true)`,
    image_url_invalid: 'an image whose url is neither http(s) nor a base64 data URL (data:image/...;base64,...) that decodes',
    image_format: 'an image that is not JPEG, PNG or WEBP (GIF, another format, or bytes that are no image), as its bytes say',
    image_mode: 'an image not in the RGB or RGBA mode (greyscale, palette or CMYK), which OpenAI refuses',
    image_too_large: `an image over OpenAI's ${sizeInWords(rules.maxImageBytes)} limit for one image (its decoded bytes)`,
    too_many_images: `an example with more than OpenAI's ${rules.maxImagesPerExample} images`,
    too_many_image_examples: `examples with images beyond OpenAI's ${rules.maxImageExamples.toLocaleString('en-US')} a file (text-only examples do not count)`,
  };
}

/** The size check's message: a file over the limit is not read; a pipe's bytes are counted as its rows are checked. */
function fileSizeMessage(limit: number, rowsRead: boolean): string {
  const size = sizeInWords(limit);
  return rowsRead
    ? `the input is over OpenAI's ${size} upload limit (a pipe: its bytes were counted as its rows were checked): split it first`
    : `the file is over OpenAI's ${size} upload limit (its rows were not read: split it first)`;
}

/**
 * Checks a JSONL file against what OpenAI's fine-tuning accepts: the cookbook's format checks
 * as the API applies them (content parts and a call without content pass: `openaiFormatErrors`),
 * the strict row schema (no row weight, no metadata), weights only 0/1 on assistant turns,
 * the model's per-example token limit, at least 10 examples and the file size limit (checked
 * first: a file over it is reported without reading its rows; a pipe, which has no size up
 * front, is checked on the bytes read, after every other check). `maxBytes` stands in for
 * OpenAI's limit (a test's, so it need not write 512 MB).
 *
 * Images (vision fine-tuning, images.ts): the model must take them, each in a user message, by
 * http(s) URL or base64 data URL; a data URL's header is read for OpenAI's format, mode and
 * size rules and its tokens, one by http(s) URL is never fetched (its tokens are unknown:
 * `images.byUrl`); at most so many images an example and examples with images a file
 * (`imageRules` stands in for OpenAI's, like `maxBytes`).
 */
export async function validateFile(
  path: string,
  options: {
    target?: ValidateTarget;
    model?: string;
    models?: FineTuneModels;
    keep?: number;
    maxBytes?: number;
    imageRules?: Partial<ImageRules>;
    signal?: AbortSignal;
    onProgress?: (p: RowProgress) => void;
  } = {},
): Promise<ValidationReport> {
  const modelName = options.model ?? 'gpt-4o-mini';
  const model = fineTuneModel(modelName, options.models);
  if (!model) throw new PipelineError('INVALID_ARGUMENT', `unknown model "${modelName}"; known: gpt-4o-mini, gpt-4o, gpt-4.1, gpt-4.1-mini, gpt-4.1-nano, gpt-3.5-turbo, or one the configuration's fineTune section gives a context limit and price`);
  const target = options.target ?? 'openai';
  // The size first: OpenAI refuses a file over it whole, whatever its rows, so they are not read
  // (a file that size needs splitting before anything else, and reading it would take a while).
  const maxBytes = options.maxBytes ?? OPENAI_FILE_RULES.maxBytes;
  const [size] = await fileSizes([path]);
  if (size! > maxBytes) {
    const check = { name: 'file_size', message: fileSizeMessage(maxBytes, false), count: 1, lines: [] };
    return { valid: false, target, model: model.name, bytes: size!, rows: 0, tokens: 0, images: { ...NO_IMAGES }, checks: [check] };
  }
  const keep = options.keep ?? 10;
  const imageRules: ImageRules = { ...OPENAI_IMAGE_RULES, ...options.imageRules };
  const messages = { ...MESSAGES, ...imageMessages(imageRules, model.name) };
  const counter = new TokenCounter(model.encoding);
  const found = new Map<string, ValidationCheck>();
  const flag = (name: string, line: number) => {
    let check = found.get(name);
    if (!check) found.set(name, (check = { name, message: messages[name] ?? name, count: 0, lines: [] }));
    check.count++;
    if (check.lines.length < keep && line > 0) check.lines.push(line);
  };
  let rows = 0;
  let tokens = 0;
  const images = { ...NO_IMAGES };
  let bytes = 0;
  const onSourceBytes = (_: number, read: number) => (bytes = read);
  for await (const row of readRows([path], { signal: options.signal, onProgress: options.onProgress, onSourceBytes })) {
    if (row.issue === 'blank') continue;
    rows++;
    if (row.value === undefined) {
      flag('not_json', row.line);
      continue;
    }
    const errors = openaiFormatErrors(row.value);
    for (const error of errors) flag(error, row.line);
    if (errors.includes('data_type') || errors.includes('missing_messages_list')) continue;
    const schema = OpenAIRow.safeParse(row.value);
    if (!schema.success && schema.error.issues.some((i) => i.code === 'unrecognized_keys' && i.path.length === 0)) flag('unrecognized_row_key', row.line);
    const rowMessages = (row.value as { messages: Array<Record<string, unknown>> }).messages;
    if (rowMessages.some((m) => typeof m === 'object' && m !== null && 'weight' in m && !(m.role === 'assistant' && (m.weight === 0 || m.weight === 1)))) {
      flag('invalid_weight', row.line);
    }
    const chat = toChatRow(row.value);
    // Images apart: they are counted below, by the same look at each that finds its problems.
    let length = chat ? rowTokens({ messages: chat.messages, tools: chat.tools }, counter) : 0;
    if (chat?.images) {
      images.examples++;
      images.images += chat.images.length;
      if (!model.vision) flag('image_model_unsupported', row.line);
      if (chat.images.length > imageRules.maxImagesPerExample) flag('too_many_images', row.line);
      if (images.examples > imageRules.maxImageExamples) flag('too_many_image_examples', row.line);
      const problems = new Set<ImageProblem>();
      for (const image of chat.images) {
        const checked = checkImage(image, imageRules);
        for (const problem of checked.problems) problems.add(problem);
        if (checked.tokens !== null) {
          length += checked.tokens;
          images.tokens += checked.tokens;
        } else if (checked.problems.length === 0) images.byUrl++;
      }
      for (const problem of problems) flag(problem, row.line);
    }
    tokens += length;
    if (length > model.contextLimit) flag('too_many_tokens', row.line);
  }
  if (rows < OPENAI_FILE_RULES.minExamples) flag('min_examples', 0);
  // A pipe has no size up front (a stat says 0): it is held to the limit on the bytes read, its rows checked too.
  if (bytes > maxBytes) found.set('file_size', { name: 'file_size', message: fileSizeMessage(maxBytes, true), count: 1, lines: [] });
  const order = [
    'file_size',
    'not_json',
    ...COOKBOOK_ERRORS,
    'invalid_content_part',
    'image_outside_user',
    'image_model_unsupported',
    'image_url_invalid',
    'image_format',
    'image_mode',
    'image_too_large',
    'too_many_images',
    'too_many_image_examples',
    'invalid_tool_call',
    'unrecognized_row_key',
    'invalid_weight',
    'too_many_tokens',
    'min_examples',
  ];
  const checks = order.flatMap((name) => found.get(name) ?? []);
  return { valid: checks.length === 0, target, model: model.name, bytes, rows, tokens, images, checks };
}
