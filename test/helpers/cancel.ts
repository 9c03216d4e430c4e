import assert from 'node:assert/strict';

/**
 * Cancels a run at each of the `reports` progress reports a full run gives, one run for each:
 * every run must fail with CANCELLED, and `unchanged` checks it left things as they were.
 */
export async function cancelAtEachReport(
  reports: number,
  start: (onProgress: () => void, signal: AbortSignal) => Promise<unknown>,
  unchanged: (why: string) => void,
): Promise<void> {
  for (let at = 1; at <= reports; at++) {
    const controller = new AbortController();
    let seen = 0;
    const why = `cancelled at report ${at} of ${reports}`;
    await assert.rejects(start(() => ++seen === at && controller.abort(), controller.signal), { code: 'CANCELLED' }, why);
    unchanged(why);
  }
}
