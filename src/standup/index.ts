export { localTime, standupDue } from './clock.ts';
export type { LocalTime } from './clock.ts';
export { composeStandup, decisions, syncedValue } from './compose.ts';
export { standupWritten, writeStandup } from './write.ts';
export type { StandupOptions, StandupWritten } from './write.ts';
