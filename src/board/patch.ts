/** Replace `[start, end)` of the text with `insert`. Offsets refer to the text before any patch. */
export interface Patch {
  start: number;
  end: number;
  insert: string;
}

import type { Change } from './change.ts';

/** Applies non-overlapping patches; everything outside them stays byte-identical. */
export function applyPatches(text: string, patches: readonly Patch[]): string {
  const sorted = [...patches].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const patch of sorted) {
    if (patch.start < at) throw new Error(`overlapping patches at offset ${patch.start}`);
    out += text.slice(at, patch.start) + patch.insert;
    at = patch.end;
  }
  return out + text.slice(at);
}

/**
 * The change patches make to `text`: nothing before the first or after the last is touched, nor
 * between them (a move's removal and insertion leave the cards between them as they were).
 */
export function changeOfPatches(text: string, patches: readonly Patch[]): Change {
  let prefix = text.length;
  let suffix = text.length;
  for (const patch of patches) {
    prefix = Math.min(prefix, patch.start);
    suffix = Math.min(suffix, text.length - patch.end);
  }
  const hunks = [...patches].sort((a, b) => a.start - b.start).map((patch) => ({ start: patch.start, end: patch.end, length: patch.insert.length }));
  return { prefix, suffix, hunks };
}
