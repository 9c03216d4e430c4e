import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

/** The phases of an OpenAI fine-tuning job, as its API names them. */
export const JOB_STATES = ['validating_files', 'queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
/** Phases after which a job does not change. */
export const FINAL_JOB_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

/** A fine-tuning job as we submitted and last saw it. */
export const FineTuneJobSchema = z.object({
  id: z.string(),
  provider: z.string(),
  model: z.string(),
  fileId: z.string(),
  /** The training file as uploaded (relative to the workspace) and its sha256. */
  data: z.string(),
  dataSha256: z.string(),
  /** What makes two submissions the same: the data, the model and the hyperparameters. */
  key: z.string(),
  suffix: z.string().nullable(),
  epochs: z.number().int().nullable(),
  estimateTokens: z.number().int(),
  estimateUsd: z.number().nullable(),
  status: z.string(),
  fineTunedModel: z.string().nullable(),
  error: z.string().nullable(),
  trainedTokens: z.number().int().nullable(),
  /** The job's spend is in the ledger, so it is counted once. */
  costRecorded: z.boolean(),
  submittedAt: z.number(),
  updatedAt: z.number(),
});
/** One fine-tuning job. */
export type FineTuneJob = z.infer<typeof FineTuneJobSchema>;

const BookSchema = z.object({ version: z.literal(1), jobs: z.array(FineTuneJobSchema) });
const MAX_JOBS = 500;

/**
 * The fine-tuning jobs this workspace submitted, in `.quimbot/ft-jobs.json` beside the state:
 * read fresh and written whole (temp file, rename) on every change, because the CLI and the
 * daemon may both follow a job.
 */
export class JobBook {
  readonly path: string;
  constructor(statePath: string) {
    this.path = join(dirname(statePath), 'ft-jobs.json');
  }

  list(): FineTuneJob[] {
    if (!existsSync(this.path)) return [];
    const parsed = BookSchema.safeParse(JSON.parse(readFileSync(this.path, 'utf8')));
    if (!parsed.success) throw Object.assign(new Error(`${this.path}: not a job book: ${parsed.error.issues[0]?.message}`), { code: 'INVALID_STATE' });
    return parsed.data.jobs;
  }

  get(id: string): FineTuneJob | undefined {
    return this.list().find((job) => job.id === id);
  }

  /** Adds the job, or replaces the one with its id. */
  put(job: FineTuneJob): void {
    const jobs = this.list().filter((j) => j.id !== job.id);
    jobs.push(job);
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify({ version: 1, jobs: jobs.slice(-MAX_JOBS) }, null, 1)}\n`);
    renameSync(temp, this.path);
  }
}
