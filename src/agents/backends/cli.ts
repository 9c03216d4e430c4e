import { spawn } from 'node:child_process';
import { splitWords } from '../../board/index.ts';
import type { AgentBackend, RunContext, RunResult } from '../backend.ts';
import { RunError } from '../errors.ts';
import { cardWorktree } from './worktree.ts';

const KILL_GRACE_MS = 2000;
const TAIL_LINES = 20;

/**
 * Runs an external agent CLI from the agent's command template (`claude -p {prompt}`,
 * `codex exec {prompt}`, `cursor-agent -p {prompt}`, …): the template is split into words
 * first and the placeholders filled in each word, so a prompt stays one argument and no shell
 * is involved. Output streams into the run log; exit code 0 is success, its last line the result.
 */
export function cliBackend(): AgentBackend {
  return {
    kind: 'cli',
    async run(context) {
      // In a git repository each card gets its own worktree and branch, linked from the card.
      const worktree = context.agent.worktree ? await cardWorktree(context.workspace, context.card.id) : null;
      if (!worktree) return runCli(context, context.workspace);
      context.output(`# working in ${worktree.path} on branch ${worktree.branch}\n`);
      try {
        const result = await runCli(context, worktree.path);
        return { ...result, links: [...(result.links ?? []), `branch ${worktree.branch}`] };
      } finally {
        context.output(`# ${await worktree.finish()}\n`);
      }
    },
  };
}

function runCli(context: RunContext, cwd: string): Promise<RunResult> {
  const template = context.agent.command;
  if (!template) return Promise.reject(new RunError('CLI_FAILED', `agent ${context.agent.name} has no command template`, false));
  const fill: Record<string, string> = { prompt: context.prompt, card: context.card.id, title: context.card.title };
  const [program, ...args] = splitWords(template).map((word) => word.replace(/\{(prompt|card|title)\}/g, (_, key: string) => fill[key]!));
  if (!program) return Promise.reject(new RunError('CLI_FAILED', `agent ${context.agent.name}: empty command template`, false));
  // A cancel that came while the run was starting: an abort listener added now would never fire.
  if (context.signal.aborted) return Promise.reject(new RunError('CANCELLED', String(context.signal.reason ?? 'cancelled'), false));
  return new Promise((resolve, reject) => {
    // Its own process group, so a cancel stops the agent and everything it started.
    const child = spawn(program, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let lastError = '';
    const collect = (stream: NodeJS.ReadableStream, isError: boolean) => {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        context.output(chunk);
        const lines = (partial + chunk).split('\n');
        partial = lines.pop()!;
        for (const line of lines) remember(line, isError);
      });
      stream.on('end', () => remember(partial, isError));
    };
    const remember = (line: string, isError: boolean) => {
      if (line.trim() === '') return;
      if (isError) lastError = line.trim();
      else {
        tail.push(line.trim());
        if (tail.length > TAIL_LINES) tail.shift();
      }
    };
    collect(child.stdout!, false);
    collect(child.stderr!, true);
    const stop = () => {
      killGroup(child.pid, 'SIGTERM');
      setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref();
    };
    context.signal.addEventListener('abort', stop, { once: true });
    child.once('error', (error: NodeJS.ErrnoException) => {
      context.signal.removeEventListener('abort', stop);
      const reason = error.code === 'ENOENT' ? `\`${program}\` not found: is it installed and on PATH?` : `\`${program}\` could not start: ${error.message}`;
      reject(new RunError('CLI_FAILED', reason, false));
    });
    child.once('close', (code, signal) => {
      context.signal.removeEventListener('abort', stop);
      if (context.signal.aborted) return reject(new RunError('CANCELLED', String(context.signal.reason ?? 'cancelled'), false));
      if (code === 0) return resolve({ summary: tail.at(-1) ?? `${program} finished` });
      const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(new RunError('CLI_FAILED', `\`${program}\` ${how}${lastError ? `: ${lastError}` : ''}`, false));
    });
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
