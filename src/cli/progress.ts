import type { Progress } from '../tools/index.ts';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

function bytes(n: number): string {
  let unit = 0;
  while (n >= 1000 && unit < UNITS.length - 1) {
    n /= 1000;
    unit++;
  }
  return `${n.toFixed(unit === 0 ? 0 : 1)} ${UNITS[unit]}`;
}

/**
 * A one-line progress display on a terminal (rows, MB/s, ETA), redrawn at most 10 times a
 * second; silent when stderr is not a terminal or output is JSON. Phases (a job's milestones)
 * are printed as lines of their own whenever `phases` is on. A report whose `done` is below the
 * last one starts another pass over the data (clean's audits): its rate and ETA count from there.
 * `done` clears the line.
 */
export function terminalProgress(stream: Pick<NodeJS.WriteStream, 'write'>, enabled: boolean, phases = enabled, clock: () => number = () => performance.now()) {
  const started = clock();
  let passStarted = started;
  let lastDone = 0;
  let last = 0;
  let shown = false;
  const report = (progress: Progress) => {
    if (progress.done < lastDone) passStarted = clock();
    lastDone = progress.done;
    if (progress.phase && phases) {
      stream.write(`${shown ? '\r\x1b[2K' : ''}${progress.phase}\n`);
      shown = false;
    }
    const now = clock();
    // A pass's first quarter second gives no rate worth showing.
    if (!enabled || now - last < 100 || now - started < 1000 || now - passStarted < 250) return;
    last = now;
    const seconds = (now - passStarted) / 1000;
    const isBytes = progress.unit === 'bytes';
    const done = isBytes ? bytes(progress.done) : progress.done.toLocaleString('en-US');
    const total = progress.total ? ` / ${isBytes ? bytes(progress.total) : progress.total.toLocaleString('en-US')}` : '';
    const rate = progress.done / seconds;
    const speed = isBytes ? ` · ${bytes(rate)}/s` : '';
    const eta = progress.total && rate > 0 ? ` · ETA ${Math.ceil((progress.total - progress.done) / rate)}s` : '';
    const message = progress.message ? ` · ${progress.message}` : '';
    stream.write(`\r\x1b[2K${done}${total}${speed}${eta}${message}`);
    shown = true;
  };
  return {
    report,
    done() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
      enabled = false;
    },
  };
}
