import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A card's own checkout: where the agent works, and the branch its commits land on. */
export interface Worktree {
  path: string;
  branch: string;
  /** Removes the checkout if nothing in it is uncommitted (the branch stays); says what it did. */
  finish(): Promise<string>;
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd });
  return stdout.trim();
}

/** The last worktree command started in each repository (by its top directory). */
const adminQueue = new Map<string, Promise<unknown>>();

/**
 * Runs `git worktree …` in the repository at `top` after the ones started before it. Two side by
 * side in one repository can fail: each reads `.git/worktrees/`, which the other is still writing
 * ("fatal: failed to read .git/worktrees/<card>/…"), and cards run at the same time.
 */
function worktreeCommand(top: string, cwd: string, ...args: string[]): Promise<string> {
  const previous = adminQueue.get(top) ?? Promise.resolve();
  const next = previous.catch(() => {}).then(() => git(cwd, 'worktree', ...args));
  adminQueue.set(top, next);
  // The map keeps only a command still to finish.
  void next.catch(() => {}).then(() => adminQueue.get(top) === next && adminQueue.delete(top));
  return next;
}

/**
 * When the workspace is a git repository, a worktree for the card on branch `quimbot/<card>`
 * under `.quimbot/worktrees/` (kept out of `git status` through `.git/info/exclude`); null otherwise.
 */
export async function cardWorktree(workspace: string, cardId: string): Promise<Worktree | null> {
  let top: string;
  try {
    top = await git(workspace, 'rev-parse', '--show-toplevel');
    await git(workspace, 'rev-parse', '--verify', 'HEAD');
  } catch {
    return null;
  }
  excludeQuimbotDir(top);
  const branch = `quimbot/${cardId}`;
  const path = join(workspace, '.quimbot', 'worktrees', cardId);
  if (!existsSync(path)) {
    mkdirSync(join(workspace, '.quimbot', 'worktrees'), { recursive: true });
    const exists = await git(workspace, 'branch', '--list', branch);
    await (exists ? worktreeCommand(top, workspace, 'add', path, branch) : worktreeCommand(top, workspace, 'add', '-b', branch, path));
  }
  return {
    path,
    branch,
    async finish() {
      const dirty = await git(path, 'status', '--porcelain');
      if (dirty) return `worktree ${path} kept: it has uncommitted changes`;
      await worktreeCommand(top, workspace, 'remove', path);
      return `worktree removed; the work is on branch ${branch}`;
    },
  };
}

function excludeQuimbotDir(top: string): void {
  const exclude = join(top, '.git', 'info', 'exclude');
  try {
    const text = existsSync(exclude) ? readFileSync(exclude, 'utf8') : '';
    if (!/^\/?\.quimbot\/?$/m.test(text)) {
      mkdirSync(join(top, '.git', 'info'), { recursive: true });
      appendFileSync(exclude, `${text && !text.endsWith('\n') ? '\n' : ''}.quimbot/\n`);
    }
  } catch {
    // A worktree's .git is a file, not a directory: the main checkout's exclude applies.
  }
}
