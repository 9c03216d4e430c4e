/** Figures the benches share (not a test). */
import { readFileSync } from 'node:fs';

/** The value at percentile `p` (0–100) of `values`, NaN for none. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** Another process's CPU time so far, user and system, in µs, from the kernel's accounting (Linux: clock ticks of 10 ms); 0 once it is gone. */
export function processCpuMicros(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return 0;
  }
}
