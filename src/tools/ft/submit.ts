import { createReadStream } from 'node:fs';
import { relative } from 'node:path';
import { z } from 'zod';
import { convertFile, fineTuneModel, hashString, readRows, sha256File, toChatRow, validateFile } from '../../pipeline/index.ts';
import { openaiClient, toProviderError } from '../../providers/index.ts';
import { FINAL_JOB_STATES, JobBook } from '../../store/index.ts';
import type { FineTuneJob } from '../../store/index.ts';
import { ToolError } from '../errors.ts';
import { providersOf } from '../providers.ts';
import { defineTool } from '../tool.ts';
import { failIfUnsuccessful, follow, jobLine, JobView, view } from './jobs.ts';

/** OpenAI's default when epochs are left to it ("auto") is picked from the data; estimates assume this many. */
const ESTIMATE_EPOCHS = 3;

/** `ft submit`: validate, convert if needed, estimate, upload, create the job, and remember it. */
export const ftSubmit = defineTool({
  name: 'ft_submit',
  command: ['ft', 'submit'],
  title: 'Submit a fine-tuning job',
  description:
    "Validates the training file for OpenAI (converting Unsloth rows and stripping their weight first), shows its tokens and the cost estimate " +
    '(asking on a terminal; --yes skips), uploads it through the Files API, creates the job and records it. The same data, model and settings ' +
    'submitted again reattach to the job already running instead of paying twice. --wait follows the job to its end.',
  usesProviders: true,
  usesFineTuneModels: true,
  input: z.object({
    data: z.string().min(1).describe('training file (JSONL)'),
    model: z.string().min(1).default('gpt-4o-mini').describe('base model to fine-tune'),
    provider: z.string().min(1).default('openai').describe('an OpenAI-compatible provider from the config'),
    epochs: z.number().int().min(1).max(50).optional().describe('training epochs (default: the provider picks)'),
    lrMultiplier: z.number().positive().optional().describe('learning rate multiplier'),
    batchSize: z.number().int().min(1).optional().describe('batch size'),
    suffix: z.string().regex(/^[a-z0-9-]{1,64}$/i, 'up to 64 letters, digits and dashes').optional().describe('a suffix for the fine-tuned model name'),
    yes: z.boolean().default(false).describe('do not ask before spending'),
    wait: z.boolean().default(false).describe('follow the job until it succeeds, fails or is cancelled'),
    pollMs: z.number().int().min(10).default(30_000).describe('how often to ask for the job while waiting (ms)'),
    state: z.string().min(1).default('.quimbot/state.json').describe("the daemon's state file (the job book sits beside it)"),
  }),
  output: z.object({
    job: JobView,
    reattached: z.boolean(),
    converted: z.string().nullable(),
    examples: z.number().int(),
    tokens: z.number().int(),
    estimate_epochs: z.number().int(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async run(input, context) {
    const access = providersOf(context, 'ft submit');
    const models = context.fineTuneModels ?? {};
    const model = fineTuneModel(input.model, models);
    if (!model) throw new ToolError('INVALID_ARGUMENT', `ft submit: "${input.model}" is not a model we know the fine-tuning price and limits of`);
    const book = new JobBook(context.resolvePath(input.state));
    let path = context.resolvePath(input.data);
    let converted: string | null = null;
    let report = await validateFile(path, { target: 'openai', model: input.model, models, signal: context.signal });
    if (!report.valid && (await isUnsloth(path))) {
      // The seed's blocker: OpenAI rejects rows that carry `weight` and metadata; convert, then check again.
      converted = path.replace(/\.jsonl$/i, '') + '.openai.jsonl';
      await convertFile(path, { out: converted, to: 'openai', signal: context.signal });
      path = converted;
      report = await validateFile(path, { target: 'openai', model: input.model, models, signal: context.signal });
    }
    if (!report.valid) {
      throw new ToolError('INVALID_ARGUMENT', `${input.data} would be rejected by OpenAI: ${report.checks.map((c) => `${c.name} ${c.count}${c.lines.length ? ` (lines ${c.lines.join(', ')})` : ''}`).join('; ')}`);
    }
    const epochs = input.epochs ?? ESTIMATE_EPOCHS;
    const estimateUsd = (report.tokens * epochs * model.pricePerMillion) / 1e6;
    const sha = await sha256File(path, context.signal);
    const [hi, lo] = hashString(JSON.stringify([sha, model.name, input.provider, input.epochs, input.lrMultiplier, input.batchSize, input.suffix]));
    const key = `${(hi >>> 0).toString(16)}${(lo >>> 0).toString(16)}`;
    const output = (job: FineTuneJob, reattached: boolean) => ({ job: view(job), reattached, converted: converted && relative(context.workspace, converted), examples: report.rows, tokens: report.tokens, estimate_epochs: epochs });

    const openai = await openaiClient(access, input.provider);
    const previous = book.list().find((job) => job.key === key && job.status !== 'failed' && job.status !== 'cancelled');
    if (previous) return output(input.wait && !FINAL_JOB_STATES.has(previous.status) ? await waitFor(previous) : previous, true);

    // Images by URL are never fetched: their tokens are unknown, so the estimate is then a floor.
    const atLeast = report.images.byUrl > 0 ? `at least (${report.images.byUrl.toLocaleString('en-US')} ${report.images.byUrl === 1 ? 'image' : 'images'} by URL not counted) ` : '';
    const question = `${report.rows.toLocaleString('en-US')} examples, ${report.tokens.toLocaleString('en-US')} tokens x ${epochs} epochs on ${model.name}: ${atLeast}about $${estimateUsd.toFixed(2)}. Submit?`;
    context.progress({ done: 0, phase: question.replace(/ Submit\?$/, '') });
    if (!input.yes && context.confirm && !(await context.confirm(question))) throw new ToolError('NOT_CONFIRMED', 'not submitted: the estimate was not accepted (--yes submits without asking)');

    let job: FineTuneJob;
    try {
      const file = await openai.files.create({ file: createReadStream(path), purpose: 'fine-tune' }, { signal: context.signal });
      const hyperparameters = {
        ...(input.epochs ? { n_epochs: input.epochs } : {}),
        ...(input.lrMultiplier ? { learning_rate_multiplier: input.lrMultiplier } : {}),
        ...(input.batchSize ? { batch_size: input.batchSize } : {}),
      };
      const created = await openai.fineTuning.jobs.create(
        {
          model: model.name,
          training_file: file.id,
          ...(input.suffix ? { suffix: input.suffix } : {}),
          method: { type: 'supervised', supervised: { hyperparameters } },
          metadata: { from: 'quimbot', data_sha256: sha.slice(0, 32) },
        },
        { signal: context.signal },
      );
      const now = Date.now();
      job = {
        id: created.id,
        provider: input.provider,
        model: model.name,
        fileId: file.id,
        data: relative(context.workspace, path),
        dataSha256: sha,
        key,
        suffix: input.suffix ?? null,
        epochs: input.epochs ?? null,
        estimateTokens: report.tokens * epochs,
        estimateUsd,
        status: created.status,
        fineTunedModel: created.fine_tuned_model ?? null,
        error: created.error?.message ?? null,
        trainedTokens: null,
        costRecorded: false,
        submittedAt: now,
        updatedAt: now,
      };
    } catch (error) {
      throw toProviderError(error, input.provider);
    }
    book.put(job);
    context.progress({ done: 0, phase: jobLine(view(job)) });
    return output(input.wait ? await waitFor(job) : job, false);

    async function waitFor(job: FineTuneJob): Promise<FineTuneJob> {
      const [done] = await follow(openai, book, [job], access, context, input.pollMs);
      failIfUnsuccessful([done!]);
      return done!;
    }
  },
  summarize(r) {
    const head = r.reattached ? `already submitted: ${jobLine(r.job)}` : jobLine(r.job);
    return [head, `  ${r.examples.toLocaleString('en-US')} examples, ${r.tokens.toLocaleString('en-US')} tokens${r.job.estimate_usd !== null ? `, about $${r.job.estimate_usd.toFixed(2)} for ${r.estimate_epochs} epochs` : ''}${r.converted ? `; converted to ${r.converted}` : ''}`].join('\n');
  },
});

/** True when the file's first row is Unsloth-style (row weight or metadata beside messages). */
async function isUnsloth(path: string): Promise<boolean> {
  for await (const row of readRows([path])) {
    if (row.issue === 'blank') continue;
    return toChatRow(row.value)?.format === 'unsloth';
  }
  return false;
}
