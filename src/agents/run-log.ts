import { closeSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const MAX_BYTES = 1 << 20;

/** A run's log file, capped in size so a chatty run cannot fill the disk. */
export class RunLog {
  private fd: number | null;
  private bytes = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  write(text: string): void {
    if (this.fd === null || this.bytes >= MAX_BYTES) return;
    const chunk = Buffer.from(text, 'utf8');
    const room = MAX_BYTES - this.bytes;
    writeSync(this.fd, chunk.length <= room ? chunk : Buffer.concat([chunk.subarray(0, room), Buffer.from('\n[log truncated at 1 MB]\n')]));
    this.bytes += chunk.length;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Makes the runs directory and keeps only its newest `keep` logs. */
export function prepareRunsDir(dir: string, keep = 500): void {
  mkdirSync(dir, { recursive: true });
  const logs = readdirSync(dir)
    .filter((name) => name.endsWith('.log'))
    .map((name) => ({ name, at: statSync(join(dir, name)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const { name } of logs.slice(keep)) unlinkSync(join(dir, name));
}
