export { localTime, standupDue } from './clock.ts';
export type { LocalTime } from './clock.ts';
export { composeStandup, decisions, syncedValue } from './compose.ts';
export { standupWritten, writeStandup } from './write.ts';
export type { StandupOptions, StandupWritten } from './write.ts';
export { findManifestOutputs } from './manifests.ts';
export { composeWeek } from './week.ts';
export type { ManifestOutput, WeekInput } from './week.ts';
