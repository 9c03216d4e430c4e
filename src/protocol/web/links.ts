import { basename, isAbsolute, relative, resolve } from 'node:path';

/** Where the files a card may point at live. */
export interface LinkRoots {
  workspace: string;
  boardDir: string;
  reportsDir: string;
  runsDir: string;
}

/** A path a card points at, and how the page can open it. */
export type CardLink =
  | { kind: 'report'; label: string; url: string }
  | { kind: 'run'; label: string; runId: string }
  | { kind: 'file'; label: string; path: string };

const MARKDOWN_LINK = /\[([^\]\n]*)\]\(([^)\s]+)\)/g;

/**
 * The links of a card's text: Markdown links (relative to the board's folder, as the runtime
 * writes `[log](…)`) and the ` · path` outputs a result line lists (relative to the workspace).
 * Only files under the reports folder get a URL; run logs are opened by run id.
 */
export function cardLinks(text: string, roots: LinkRoots): CardLink[] {
  const links: CardLink[] = [];
  const seen = new Set<string>();
  const add = (label: string, full: string) => {
    if (seen.has(full)) return;
    seen.add(full);
    links.push(classify(label, full, roots));
  };
  for (const match of text.matchAll(MARKDOWN_LINK)) {
    const href = match[2]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('#')) continue;
    add(match[1] || href, resolve(roots.boardDir, safeDecode(href)));
  }
  for (const line of text.split(/\r?\n/)) {
    const parts = line.split(' · ').slice(1);
    for (const part of parts) {
      const path = part.trim();
      if (path && !/\s/.test(path) && !path.includes('](')) add(path, resolve(roots.workspace, path));
    }
  }
  return links;
}

function classify(label: string, full: string, roots: LinkRoots): CardLink {
  const inReports = inside(roots.reportsDir, full);
  if (inReports !== null) return { kind: 'report', label, url: `/reports/${inReports.split('/').map(encodeURIComponent).join('/')}` };
  if (inside(roots.runsDir, full) !== null && full.endsWith('.log')) return { kind: 'run', label, runId: basename(full, '.log') };
  return { kind: 'file', label, path: inside(roots.workspace, full) ?? full };
}

/** The path below `root` (with forward slashes), or null when `path` is not inside it. */
export function inside(root: string, path: string): string | null {
  const rel = relative(resolve(root), resolve(path));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  return rel.split('\\').join('/');
}

function safeDecode(href: string): string {
  try {
    return decodeURIComponent(href);
  } catch {
    return href;
  }
}
