import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ManifestOutput } from './week.ts';

const SKIP = new Set(['node_modules', '.git', '.quimbot']);

/**
 * Pipeline outputs named by the `*.manifest.json` files under the workspace (clean, dedup, mix,
 * recipe builds), read loosely: an `output`/`outputs` entry with a `path` and maybe `rows`.
 */
export function findManifestOutputs(workspace: string, maxDepth = 4): ManifestOutput[] {
  const found: ManifestOutput[] = [];
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && depth < maxDepth && !SKIP.has(entry.name)) walk(path, depth + 1);
      else if (entry.isFile() && entry.name.endsWith('.manifest.json')) found.push(...outputsOf(workspace, path));
    }
  };
  walk(workspace, 0);
  return found;
}

function outputsOf(workspace: string, path: string): ManifestOutput[] {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
  const record = (value: unknown): Record<string, unknown> | null => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null);
  const m = record(manifest);
  if (!m) return [];
  const candidates = [m.output, ...(Array.isArray(m.outputs) ? m.outputs : [])].map(record).filter((o) => o && typeof o.path === 'string');
  return candidates.map((o) => ({
    manifest: relative(workspace, path),
    path: String(o!.path),
    rows: typeof o!.rows === 'number' ? o!.rows : null,
  }));
}
