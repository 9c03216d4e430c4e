import type { Change } from './change.ts';

/** Replace `[start, end)` of the text with `insert`. Offsets refer to the text before any patch. */
export interface Patch {
  start: number;
  end: number;
  insert: string;
}

/**
 * The change non-overlapping patches make to a text `length` long: nothing before the first or
 * after the last is touched, nor between them (a move's removal and insertion leave the cards
 * between them as they were).
 */
export function changeOfPatches(length: number, patches: readonly Patch[]): Change {
  let prefix = length;
  let suffix = length;
  for (const patch of patches) {
    prefix = Math.min(prefix, patch.start);
    suffix = Math.min(suffix, length - patch.end);
  }
  const hunks = [...patches].sort((a, b) => a.start - b.start).map((patch) => ({ start: patch.start, end: patch.end, length: patch.insert.length }));
  return { prefix, suffix, hunks };
}
