/**
 * Wakes everyone waiting for the board to change: the daemon's watcher pulses it on every
 * change, and a task following its card wakes at once instead of on its next poll.
 */
export class BoardPulse {
  #waiters = new Set<() => void>();

  /** The board changed. */
  pulse(): void {
    const waiters = this.#waiters;
    this.#waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Resolves on the next change or after `ms`, whichever comes first; rejects when `signal` aborts. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal.removeEventListener('abort', abort);
        resolve();
      };
      const abort = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        reject(signal.reason);
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
      signal.addEventListener('abort', abort, { once: true });
    });
  }
}
