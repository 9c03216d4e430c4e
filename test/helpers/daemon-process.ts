import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Workspace } from './workspace.ts';

const BIN = fileURLToPath(new URL('../../bin/quimbot.js', import.meta.url));

/** `quimbot start` as its own process, so a test can kill -9 it. */
export interface DaemonProcess {
  child: ChildProcess;
  /** Resolves with the daemon's URL once it listens; rejects if it ends before. */
  listening: Promise<string>;
  /** Resolves with the signal that ended the process (null for an exit of its own). */
  exited: Promise<NodeJS.Signals | null>;
}

/**
 * Starts the daemon in the workspace (its `quimbot.config.json`); it is killed when the test ends.
 * `port` keeps a restarted peer where its peers look for it; `env` adds variables (a crash point);
 * `nodeArgs` go to Node before the script (`--cpu-prof`).
 */
export function spawnDaemon(ws: Pick<Workspace, 'dir' | 'cleanup'>, options: { port?: number; env?: Record<string, string>; nodeArgs?: string[] } = {}): DaemonProcess {
  const args = [...(options.nodeArgs ?? []), BIN, 'start', '--log-format', 'json', ...(options.port ? ['--port', String(options.port)] : [])];
  const child = spawn(process.execPath, args, { cwd: ws.dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...options.env } });
  ws.cleanup(() => child.kill('SIGKILL'));
  const exited = new Promise<NodeJS.Signals | null>((done) => child.once('exit', (_code, signal) => done(signal)));
  const listening = new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      // Only the start is read: a long run's logs are not kept.
      if (err.length > 20_000) return;
      err += chunk.toString();
      const url = /listening on (http:\/\/[\d.:]+)/.exec(err)?.[1];
      if (url) resolve(url);
    });
    child.once('exit', (code, signal) => reject(new Error(`the daemon exited (${signal ?? code}) before it listened: ${err}`)));
  });
  listening.catch(() => {});
  return { child, listening, exited };
}

/** SIGTERM, and resolves once the process is gone. */
export async function stopDaemonProcess(daemon: DaemonProcess): Promise<void> {
  daemon.child.kill('SIGTERM');
  await daemon.exited;
}
