import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Another daemon already serves this workspace. */
export class DaemonLockError extends Error {
  override readonly name = 'DaemonLockError';
  readonly code = 'DAEMON_RUNNING';
}

/**
 * One daemon per workspace: two would claim the same cards. The lock file holds the pid; a
 * lock left by a process that is gone (kill -9) is taken over.
 */
export function lockWorkspace(path: string): () => void {
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
        } catch {
          // Already gone.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new DaemonLockError(`another quimbot daemon (pid ${pid}) serves this workspace; stop it first (lock: ${path})`);
      }
      unlinkSync(path);
    }
  }
  throw new DaemonLockError(`cannot take the daemon lock ${path}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
