import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Every file under `dir` with its text, by path relative to `dir` (a directory as `name/`, so
 * an empty one or one standing where a file was shows too). Two trees compare equal only when
 * the same files hold the same bytes: no file added, removed, replaced or left half-written.
 */
export function fileTree(dir: string): Record<string, string> {
  const tree: Record<string, string> = {};
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) {
        tree[`${relative(dir, path)}/`] = '';
        walk(path);
      } else tree[relative(dir, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return tree;
}
