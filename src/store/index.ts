export { LIMITS } from './changes.ts';
export { newRunId, readState, Store } from './store.ts';
export type { StoreWarning } from './store.ts';
export { emptyState, OUTCOMES, StateSchema } from './schema.ts';
export type { CardEvent, CardState, Lease, RunRecord, State, UsageEntry } from './schema.ts';
export { appendUsage } from './usage-journal.ts';
export { FINAL_JOB_STATES, FineTuneJobSchema, JOB_STATES, JobBook } from './job-book.ts';
export type { FineTuneJob } from './job-book.ts';
