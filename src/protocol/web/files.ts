import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Response } from 'express';
import { WebError } from './errors.ts';
import { inside } from './links.ts';

/** The page's own files: a fixed list, so no request path ever reaches the file system. */
const STATIC_DIR = new URL('../../web/static/', import.meta.url);
const STATIC_FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
  'card-dialog.js': 'text/javascript; charset=utf-8',
  'panels.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

/** The page may load only its own scripts and styles, and talk only to this daemon. */
const PAGE_POLICY = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
/** Served files are data: an SVG chart opened on its own must not run a script. */
const FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

/** Sends one of the page's static files; false when `name` is not one of them. */
export function sendStatic(res: Response, name: string): boolean {
  const type = STATIC_FILES[name];
  if (!type) return false;
  res
    .status(200)
    .set({ 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', 'content-security-policy': PAGE_POLICY, 'referrer-policy': 'no-referrer' })
    .send(readFileSync(new URL(name, STATIC_DIR)));
  return true;
}

const FILE_TYPES: Record<string, string> = {
  '.md': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/plain; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * Sends a file below `root`, read-only. The path must stay inside the root after symlinks are
 * followed, name a regular file, and have a type the page can show; anything else is a 404 or 415.
 */
export function sendConfined(res: Response, root: string, path: string): void {
  const missing = () => new WebError(404, 'NOT_FOUND', `${path}: no such file in ${root}`);
  if (path.split('/').some((part) => part === '..') || !existsSync(root)) throw missing();
  const full = join(root, path);
  let real: string;
  try {
    real = realpathSync(full);
  } catch {
    throw missing();
  }
  if (inside(realpathSync(root), real) === null || !statSync(real).isFile()) throw missing();
  const type = FILE_TYPES[extname(real).toLowerCase()];
  if (!type) throw new WebError(415, 'UNSUPPORTED_MEDIA_TYPE', `${path}: only .md, .txt, .csv, .json, .svg and .png files are served`);
  res
    .status(200)
    .set({ 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', 'content-security-policy': FILE_POLICY })
    .send(readFileSync(real));
}

/** The files directly in `dir` matching `pattern`, newest first (by name for dated notes, else by time). */
export function listFiles(dir: string, pattern: RegExp, limit: number, by: 'name' | 'modified'): Array<{ name: string; bytes: number; modifiedAt: number }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && pattern.test(entry.name))
    .map((entry) => {
      const stat = statSync(join(dir, entry.name));
      return { name: entry.name, bytes: stat.size, modifiedAt: stat.mtimeMs };
    })
    .sort((a, b) => (by === 'name' ? b.name.localeCompare(a.name) : b.modifiedAt - a.modifiedAt))
    .slice(0, limit);
}
