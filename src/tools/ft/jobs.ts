import { setTimeout as sleep } from 'node:timers/promises';
import type OpenAI from 'openai';
import type { FineTuningJob } from 'openai/resources/fine-tuning/jobs';
import { fineTuneModel } from '../../pipeline/index.ts';
import { toProviderError, withRequestSignal } from '../../providers/index.ts';
import type { ProviderAccess } from '../../providers/index.ts';
import { FINAL_JOB_STATES, JobBook } from '../../store/index.ts';
import type { FineTuneJob } from '../../store/index.ts';
import { ToolError } from '../errors.ts';
import type { ToolContext } from '../tool.ts';
import { z } from 'zod';

/** A job as the ft tools report it. */
export const JobView = z.object({
  id: z.string(),
  model: z.string(),
  status: z.string(),
  fine_tuned_model: z.string().nullable(),
  error: z.string().nullable(),
  file_id: z.string(),
  data: z.string(),
  estimate_usd: z.number().nullable(),
  trained_tokens: z.number().int().nullable(),
});

export function view(job: FineTuneJob): z.output<typeof JobView> {
  return {
    id: job.id,
    model: job.model,
    status: job.status,
    fine_tuned_model: job.fineTunedModel,
    error: job.error,
    file_id: job.fileId,
    data: job.data,
    estimate_usd: job.estimateUsd,
    trained_tokens: job.trainedTokens,
  };
}

/** One line for a job: id, phase, and the model or the error when it has one. */
export function jobLine(job: z.output<typeof JobView>): string {
  const tail = job.fine_tuned_model ? ` -> ${job.fine_tuned_model}` : job.error ? `: ${job.error}` : '';
  return `fine-tune ${job.id} (${job.model}): ${job.status}${tail}`;
}

/**
 * Asks the provider for the job's phase and keeps it in the book; a job that has just
 * succeeded has its training cost added to the ledger, once.
 */
export async function refresh(openai: OpenAI, book: JobBook, job: FineTuneJob, access: ProviderAccess, context: Pick<ToolContext, 'signal' | 'fineTuneModels'>): Promise<FineTuneJob> {
  let remote: FineTuningJob;
  try {
    remote = await withRequestSignal(context.signal, (own) => openai.fineTuning.jobs.retrieve(job.id, { signal: own }));
  } catch (error) {
    throw toProviderError(error, job.provider);
  }
  const next: FineTuneJob = {
    ...job,
    status: remote.status,
    fineTunedModel: remote.fine_tuned_model ?? null,
    error: remote.error?.message ?? null,
    trainedTokens: remote.trained_tokens ?? null,
    updatedAt: Date.now(),
  };
  if (next.status === 'succeeded' && !next.costRecorded && next.trainedTokens !== null) {
    const price = fineTuneModel(job.model, context.fineTuneModels)?.pricePerMillion;
    access.usage({ provider: job.provider, model: `fine-tune ${job.model}`, inputTokens: next.trainedTokens, outputTokens: 0, costUsd: price ? (next.trainedTokens * price) / 1e6 : 0 });
    next.costRecorded = true;
  }
  if (next.status !== job.status || next.fineTunedModel !== job.fineTunedModel || next.costRecorded !== job.costRecorded || next.error !== job.error) book.put(next);
  return next;
}

/**
 * Polls the jobs until each is final, telling every phase change (and the job's newest event)
 * as a progress phase: on a card that is a line under it, on a terminal a line of output.
 */
export async function follow(openai: OpenAI, book: JobBook, jobs: FineTuneJob[], access: ProviderAccess, context: ToolContext, pollMs: number): Promise<FineTuneJob[]> {
  const current = new Map(jobs.map((job) => [job.id, job]));
  const told = new Map<string, string>();
  const lastEvent = new Map<string, string>();
  for (;;) {
    for (const job of current.values()) {
      if (FINAL_JOB_STATES.has(job.status) && told.get(job.id) === job.status) continue;
      const next = FINAL_JOB_STATES.has(job.status) ? job : await refresh(openai, book, job, access, context);
      current.set(job.id, next);
      const event = await newestEvent(openai, job.id, context.signal);
      if (event && lastEvent.get(job.id) !== event) {
        lastEvent.set(job.id, event);
        context.progress({ done: 0, unit: 'jobs', message: `${job.id}: ${event}` });
      }
      if (told.get(job.id) !== next.status) {
        told.set(job.id, next.status);
        context.progress({ done: [...current.values()].filter((j) => FINAL_JOB_STATES.has(j.status)).length, total: current.size, unit: 'jobs', phase: jobLine(view(next)) });
      }
    }
    if ([...current.values()].every((job) => FINAL_JOB_STATES.has(job.status))) return [...current.values()];
    await sleep(pollMs, undefined, { signal: context.signal }).catch(() => {
      throw new ToolError('CANCELLED', 'cancelled');
    });
  }
}

/** The job's newest event message (the provider's own words: "Step 120/300: training loss=0.41"); none when it cannot say. */
async function newestEvent(openai: OpenAI, id: string, signal: AbortSignal): Promise<string | null> {
  try {
    const page = await withRequestSignal(signal, (own) => openai.fineTuning.jobs.listEvents(id, { limit: 1 }, { signal: own }));
    return page.data[0]?.message ?? null;
  } catch {
    // Events are a courtesy: the job's status is what the card follows.
    return null;
  }
}

/** The jobs named, or every job of the book that is not final yet; JOB_NOT_FOUND for an unknown id. */
export function pick(book: JobBook, id: string | undefined): FineTuneJob[] {
  const jobs = book.list();
  if (!id) return jobs.filter((job) => !FINAL_JOB_STATES.has(job.status));
  const job = jobs.find((j) => j.id === id);
  if (!job) throw new ToolError('JOB_NOT_FOUND', `no fine-tuning job ${id} in ${book.path}; known: ${jobs.map((j) => j.id).join(', ') || 'none'}`);
  return [job];
}

/** A single followed job that did not succeed ends the run as a failure, so its card goes to Blocked. */
export function failIfUnsuccessful(jobs: readonly FineTuneJob[]): void {
  const bad = jobs.filter((job) => job.status === 'failed' || job.status === 'cancelled');
  if (bad.length) throw new ToolError('JOB_FAILED', bad.map((job) => `fine-tune ${job.id} ${job.status}${job.error ? `: ${job.error}` : ''}`).join('; '));
}
