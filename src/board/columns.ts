/** The five columns the daemon understands; every other `##` section is kept verbatim. */
export const COLUMN_KINDS = ['backlog', 'in_progress', 'review', 'done', 'blocked'] as const;

/** One of the recognised columns. */
export type ColumnKind = (typeof COLUMN_KINDS)[number];

/** The heading words Quimbot writes when it has to create a column. */
export const COLUMN_TITLES: Record<ColumnKind, string> = {
  backlog: 'Backlog',
  in_progress: 'In Progress',
  review: 'Review',
  done: 'Done',
  blocked: 'Blocked',
};

const ALIASES: Record<string, ColumnKind> = {
  backlog: 'backlog',
  'to do': 'backlog',
  todo: 'backlog',
  ready: 'backlog',
  'up next': 'backlog',
  'in progress': 'in_progress',
  doing: 'in_progress',
  wip: 'in_progress',
  active: 'in_progress',
  review: 'review',
  'in review': 'review',
  qa: 'review',
  done: 'done',
  complete: 'done',
  completed: 'done',
  shipped: 'done',
  blocked: 'blocked',
};

/**
 * The column a heading names, or null. Only ASCII words count: emoji and mojibake are always
 * non-ASCII, so "✅ Done", "âœ… Done" and "Done (8)" all read as Done, while "Notes on done
 * work" does not.
 */
export function recognizeColumn(heading: string): ColumnKind | null {
  const words = heading
    .replace(/\([^)]*\)|\[[^\]]*\]/g, ' ')
    .toLowerCase()
    .match(/[a-z]+/g);
  return words ? (ALIASES[words.join(' ')] ?? null) : null;
}

/** Column kind from user input such as `in-progress`, `Doing` or `in_progress`. */
export function parseColumnName(input: string): ColumnKind | null {
  const direct = input.trim().toLowerCase().replace(/[-_\s]+/g, '_');
  if ((COLUMN_KINDS as readonly string[]).includes(direct)) return direct as ColumnKind;
  return recognizeColumn(input.replace(/[-_]+/g, ' '));
}
