import type { Board } from '../../board/index.ts';

/**
 * Wakes everyone waiting for the board to change: the daemon's watcher pulses it on every
 * change and the runtime on each of its own writes (before the watcher could see it), so a task
 * following its card wakes at once instead of on its next poll. A pulse carries the board as
 * it now reads (parsed once, and only when someone waits), so a thousand followers do not each
 * read and parse the file again.
 */
export class BoardPulse {
  #waiters = new Set<(board: Board | null) => void>();

  /** The board changed (to `board`, when the caller has it, or can parse it, already). */
  pulse(board: Board | (() => Board) | null = null): void {
    const waiters = this.#waiters;
    if (waiters.size === 0) return;
    this.#waiters = new Set();
    const now = typeof board === 'function' ? board() : board;
    for (const wake of waiters) wake(now);
  }

  /**
   * Resolves on the next change, with its board when the pulse carried one, or with null after
   * `ms`, whichever comes first; rejects when `signal` aborts.
   */
  wait(ms: number, signal: AbortSignal): Promise<Board | null> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const done = (board: Board | null) => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal.removeEventListener('abort', abort);
        resolve(board);
      };
      const abort = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        reject(signal.reason);
      };
      const timer = setTimeout(() => done(null), ms);
      timer.unref();
      this.#waiters.add(done);
      signal.addEventListener('abort', abort, { once: true });
    });
  }
}
