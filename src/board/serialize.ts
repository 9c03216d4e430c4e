import type { Board } from './types.ts';

/** Writes a board back out from its regions; with no edit this is the original text, byte for byte. */
export function serializeBoard(board: Board): string {
  return board.regions.map((region) => board.text.slice(region.span.start, region.span.end)).join('');
}
