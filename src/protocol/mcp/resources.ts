import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource, ResourceTemplate } from '@modelcontextprotocol/sdk/types.js';
import { BoardFile } from '../../board/index.ts';

/** The board, as one Markdown resource. */
export const BOARD_URI = 'kanban://board';

/** Where the resources come from. */
export interface ResourceRoots {
  boardPath: string;
  memoryDir: string;
  reportsDir: string;
}

/** The fixed resources: the board, each daily note, each report. */
export function listResources(roots: ResourceRoots): Resource[] {
  const markdown = (dir: string, scheme: string, pattern: RegExp) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((name) => pattern.test(name))
          .sort()
          .map((name) => ({ uri: `${scheme}://${name.replace(/\.md$/, '')}`, name: `${scheme}: ${name}`, mimeType: 'text/markdown' }))
      : [];
  return [
    { uri: BOARD_URI, name: 'Kanban board', title: 'The team board (kanban/KANBAN.md)', mimeType: 'text/markdown' },
    ...markdown(roots.memoryDir, 'memory', /^\d{4}-\d{2}-\d{2}\.md$/),
    ...markdown(roots.reportsDir, 'report', /\.md$/),
  ];
}

/** The parameterised resources: a card by id, a daily note by date, a report by name. */
export const RESOURCE_TEMPLATES: ResourceTemplate[] = [
  { uriTemplate: 'kanban://card/{id}', name: 'card', title: 'One card of the board, with its nested lines', mimeType: 'text/markdown' },
  { uriTemplate: 'memory://{date}', name: 'daily note', title: 'The daily note and standups of a day (YYYY-MM-DD)', mimeType: 'text/markdown' },
  { uriTemplate: 'report://{name}', name: 'report', title: 'A report in reports/', mimeType: 'text/markdown' },
];

/** The text of a resource, or null when there is no such resource. */
export async function readResource(uri: string, roots: ResourceRoots): Promise<string | null> {
  if (uri === BOARD_URI) return (await new BoardFile(roots.boardPath).read()).text;
  const card = /^kanban:\/\/card\/([A-Za-z0-9_-]+)$/.exec(uri);
  if (card) return (await new BoardFile(roots.boardPath).read()).cards.find((c) => c.id === card[1])?.text ?? null;
  const note = /^memory:\/\/(\d{4}-\d{2}-\d{2})$/.exec(uri);
  if (note) return readIfThere(join(roots.memoryDir, `${note[1]}.md`));
  const report = /^report:\/\/([\w.-]+)$/.exec(uri);
  if (report && !report[1]!.includes('..')) return readIfThere(join(roots.reportsDir, `${report[1]}.md`));
  return null;
}

function readIfThere(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}
