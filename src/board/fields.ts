import { isSlashCommand, parseSlashCommand } from './command.ts';
import { closesFence, matchFence } from './list-item.ts';
import type { SlashCommand } from './types.ts';

/** Where the owner sits on a card's first line, as offsets into that line's text. */
export interface OwnerPlace {
  name: string;
  /** Start of the separator with the whitespace before it (` — `), for removal. */
  sepStart: number;
  nameStart: number;
  nameEnd: number;
}

/** The fields read from the first line of a card (after its list marker). */
export interface HeadFields {
  marker: string | null;
  /** Offset of ` <!-- q:… -->` (with its leading whitespace) or of the trailing whitespace. */
  contentEnd: number;
  owner: OwnerPlace | null;
  title: string;
}

const MARKER = /[ \t]*<!--\s*q:([A-Za-z0-9_-]+)\s*-->/;
const NAME = String.raw`@?\p{L}[\p{L}\p{N}_.'-]*(?: \p{L}[\p{L}\p{N}_.'-]*){0,2}`;
const DASH_OWNER = new RegExp(String.raw`(\s+(?:—|–|--|â€”)\s+)(${NAME})$`, 'u');
const BOLD_HYPHEN_OWNER = new RegExp(String.raw`^(\*\*.+?\*\*)(\s+-\s+)(${NAME})$`, 'u');
const LEADING_BOLD = /^\*\*(.+?)\*\*/;

/** The separator written before an owner: the em dash the seed board uses. */
export const OWNER_SEPARATOR = ' — ';

/** Reads marker, owner and title from a card's first-line text. */
export function readHead(text: string): HeadFields {
  const markerMatch = text.includes('<!--') ? MARKER.exec(text) : null;
  const marker = markerMatch?.[1] ?? null;
  const withoutMarker = markerMatch ? text.slice(0, markerMatch.index) : text;
  const trimmed = withoutMarker.trimEnd();
  const contentEnd = trimmed.length;
  let owner: OwnerPlace | null = null;
  const dash = /[—–-]|â€/.test(trimmed) ? DASH_OWNER.exec(trimmed) : null;
  const hyphen = dash || !trimmed.startsWith('**') ? null : BOLD_HYPHEN_OWNER.exec(trimmed);
  if (dash) {
    const sepStart = dash.index;
    const nameStart = sepStart + (dash[1] ?? '').length;
    owner = { name: dash[2] ?? '', sepStart, nameStart, nameEnd: contentEnd };
  } else if (hyphen) {
    const sepStart = (hyphen[1] ?? '').length;
    const nameStart = sepStart + (hyphen[2] ?? '').length;
    owner = { name: hyphen[3] ?? '', sepStart, nameStart, nameEnd: contentEnd };
  }
  const body = owner ? trimmed.slice(0, owner.sepStart) : trimmed;
  const bold = LEADING_BOLD.exec(body.trimStart());
  const title = (bold?.[1] ?? body).trim();
  return { marker, contentEnd, owner, title };
}

const CODE_SPAN = /(`+)(.+?)(?<!`)\1(?!`)/g;
const HTML_COMMENT = /<!--[\s\S]*?-->/g;
const MENTION = /(?<![\w.@/\\])@([A-Za-z][\w-]*(?:\.[\w-]+)*)/g;
const LINK = /\[\[([^\]|#]+)(?:[#|][^\]]*)?\]\]/g;
const AFTER_LINE = /^\s*(?:(?:[-*+]|\d+[.)])\s+)?(?:\[[ xX]\]\s+)?after:\s*(.+?)\s*$/i;
const BLOCKED_LINE = /^(\s*(?:(?:[-*+]|\d+[.)])\s+)?)blocked:\s*(.+?)\s*$/i;

/** The indent and bullet before `Blocked:` on a nested blocked line, or null for other lines. */
export function blockedLead(line: string): string | null {
  return BLOCKED_LINE.exec(line)?.[1] ?? null;
}

/** The fields read from a card's whole text. */
export interface BodyFields {
  mentions: string[];
  command: SlashCommand | null;
  after: string[];
  links: string[];
  /** From a nested `Blocked: …` line. */
  blockedNote: string | null;
  /** 0-based index among the card's lines of the line `blockedNote` comes from. */
  blockedLine: number | null;
}

/** Reads mentions, command, dependencies and a blocked note from a card's lines. */
export function readBody(lines: readonly string[]): BodyFields {
  const mentions = new Set<string>();
  const links = new Set<string>();
  const after: string[] = [];
  let command: SlashCommand | null = null;
  let blockedNote: string | null = null;
  let blockedLine: number | null = null;
  // Lines of a fenced code block in a card are code, not requests: `@dataclass` is no mention.
  let fence: string | null = null;
  lines.forEach((line, i) => {
    if (fence !== null) {
      if (closesFence(line, fence)) fence = null;
      return;
    }
    const open = i === 0 ? null : matchFence(line);
    if (open) {
      fence = open.fence;
      return;
    }
    // Cheap character checks first: most lines have no code span, mention, link or field.
    let prose = line;
    if (line.includes('`')) {
      for (const [, , code = ''] of line.matchAll(CODE_SPAN)) {
        if (!command && isSlashCommand(code)) command = parseSlashCommand(code);
      }
      prose = prose.replace(CODE_SPAN, ' ');
    }
    if (prose.includes('<!--')) prose = prose.replace(HTML_COMMENT, ' ');
    if (prose.includes('@')) for (const [, name = ''] of prose.matchAll(MENTION)) mentions.add(name);
    if (prose.includes('[[')) for (const [, title = ''] of prose.matchAll(LINK)) links.add(title.trim());
    if (i === 0 || !line.includes(':')) return;
    const dep = AFTER_LINE.exec(line);
    if (dep) after.push(...splitList(dep[1] ?? ''));
    const blocked = BLOCKED_LINE.exec(line);
    if (blocked && blockedNote === null) {
      blockedNote = blocked[2] ?? null;
      blockedLine = i;
    }
  });
  return { mentions: [...mentions], command, after, links: [...links], blockedNote, blockedLine };
}

function splitList(value: string): string[] {
  return value
    .split(/\s*,\s*/)
    // `[[Title]]`, `"Title"` or `` `id` ``: unwrap a matching pair only, so `Run `x.jsonl`` stays whole.
    .map((item) => item.replace(/^\[\[(.*)\]\]$/, '$1').replace(/^([`"'])(.*)\1$/, '$2').trim())
    .filter(Boolean);
}

/** The first bold span that is not the title: how the seed board writes a blocked reason. */
export function inlineReason(firstLineText: string): string | null {
  const text = firstLineText.trimStart();
  const spans = [...text.matchAll(/\*\*(.+?)\*\*/g)];
  const reason = spans.find((m) => m.index !== 0);
  return reason?.[1]?.trim() ?? null;
}
