import { open } from 'node:fs/promises';

const WINDOW = 1 << 16;

/**
 * Splits a file into about `parts` byte ranges `[start, end)` that each begin at a line start,
 * so each can be read on its own; together they cover the file exactly.
 */
export async function splitRanges(path: string, parts: number): Promise<Array<{ start: number; end: number }>> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const cuts = [0];
    const buffer = Buffer.alloc(WINDOW);
    for (let i = 1; i < parts; i++) {
      let at = Math.max(Math.floor((size * i) / parts), cuts.at(-1)!);
      // Move forward to just after the next newline.
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, WINDOW, at);
        if (bytesRead === 0) {
          at = size;
          break;
        }
        const nl = buffer.subarray(0, bytesRead).indexOf(10);
        if (nl !== -1) {
          at += nl + 1;
          break;
        }
        at += bytesRead;
      }
      if (at > cuts.at(-1)! && at < size) cuts.push(at);
    }
    cuts.push(size);
    return cuts.slice(0, -1).map((start, i) => ({ start, end: cuts[i + 1]! }));
  } finally {
    await handle.close();
  }
}
