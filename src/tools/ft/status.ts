import { z } from 'zod';
import { openaiClient, toProviderError } from '../../providers/index.ts';
import { JobBook } from '../../store/index.ts';
import type { FineTuneJob } from '../../store/index.ts';
import { providersOf } from '../providers.ts';
import { defineTool } from '../tool.ts';
import type { ToolContext } from '../tool.ts';
import { failIfUnsuccessful, follow, jobLine, JobView, pick, refresh, view } from './jobs.ts';

const JobInput = {
  job: z.string().min(1).optional().describe('job id (default: every job not finished yet)'),
  state: z.string().min(1).default('.quimbot/state.json').describe("the daemon's state file (the job book sits beside it)"),
};
const Jobs = z.object({ jobs: z.array(JobView) });
const summarize = (r: z.output<typeof Jobs>) => (r.jobs.length ? r.jobs.map(jobLine).join('\n') : 'no fine-tuning jobs in flight');

/** The jobs asked for, each refreshed from its provider. */
async function refreshed(id: string | undefined, state: string, context: ToolContext, tool: string): Promise<{ jobs: FineTuneJob[]; book: JobBook }> {
  const access = providersOf(context, tool);
  const book = new JobBook(context.resolvePath(state));
  const jobs: FineTuneJob[] = [];
  for (const job of pick(book, id)) jobs.push(await refresh(await openaiClient(access, job.provider), book, job, access, context));
  return { jobs, book };
}

/** `ft status [JOB]`: where each job is now. */
export const ftStatus = defineTool({
  name: 'ft_status',
  command: ['ft', 'status'],
  title: 'Fine-tuning job status',
  description: 'Asks the provider where a fine-tuning job is (validating_files, queued, running, succeeded with the model id, failed with the error, cancelled); without a job, every one not finished yet.',
  positionals: ['job'],
  usesProviders: true,
  usesFineTuneModels: true,
  input: z.object(JobInput),
  output: Jobs,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(input, context) {
    const { jobs } = await refreshed(input.job, input.state, context, 'ft status');
    return { jobs: jobs.map(view) };
  },
  summarize,
  exitCode: (r) => (r.jobs.some((j) => j.status === 'failed') ? 1 : 0),
});

/** `ft watch [JOB]`: follows jobs to their end, a line per phase. */
export const ftWatch = defineTool({
  name: 'ft_watch',
  command: ['ft', 'watch'],
  title: 'Follow fine-tuning jobs',
  description: 'Follows fine-tuning jobs until each succeeds, fails or is cancelled, telling every phase change; on a card, each phase is a line under it and the card ends Done with the model id, or Blocked with the error.',
  positionals: ['job'],
  usesProviders: true,
  usesFineTuneModels: true,
  input: z.object({ ...JobInput, pollMs: z.number().int().min(10).default(30_000).describe('how often to ask (ms)') }),
  output: Jobs,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(input, context) {
    const access = providersOf(context, 'ft watch');
    const book = new JobBook(context.resolvePath(input.state));
    const jobs = pick(book, input.job);
    if (jobs.length === 0) return { jobs: [] };
    const done = await follow(await openaiClient(access, jobs[0]!.provider), book, jobs, access, context, input.pollMs);
    if (input.job) failIfUnsuccessful(done);
    return { jobs: done.map(view) };
  },
  summarize,
  exitCode: (r) => (r.jobs.some((j) => j.status !== 'succeeded') ? 1 : 0),
});

/** `ft cancel JOB`. */
export const ftCancel = defineTool({
  name: 'ft_cancel',
  command: ['ft', 'cancel'],
  title: 'Cancel a fine-tuning job',
  description: 'Cancels a fine-tuning job that has not finished.',
  positionals: ['job'],
  usesProviders: true,
  usesFineTuneModels: true,
  input: z.object({ job: z.string().min(1).describe('job id'), state: JobInput.state }),
  output: Jobs,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async run(input, context) {
    const access = providersOf(context, 'ft cancel');
    const book = new JobBook(context.resolvePath(input.state));
    const [job] = pick(book, input.job);
    const openai = await openaiClient(access, job!.provider);
    await openai.fineTuning.jobs.cancel(job!.id, { signal: context.signal }).catch((error: unknown) => {
      throw toProviderError(error, job!.provider);
    });
    return { jobs: [view(await refresh(openai, book, job!, access, context))] };
  },
  summarize,
});
