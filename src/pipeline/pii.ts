import { callArguments } from './chat-rows.ts';
import type { ChatMessage } from './chat-rows.ts';

/** The kinds of personal data the audit counts and scrub replaces. */
export type PiiKind = 'email' | 'phone' | 'ip';

/** One piece of personal data in a text. */
export interface PiiMatch {
  kind: PiiKind;
  start: number;
  end: number;
  value: string;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])/g;
// North American: optional +1, area code with or without parentheses, then 3-4 digits; groups
// separated by a space, dot or dash (ten bare digits are too often ids to count).
const NANP = /(?<![\w+.-])(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w-]|\.\d)/g;
// International, E.164 with optional spaces or dashes: + and 8 to 15 digits; country code 1
// (North America) is always 10 more digits, written bare (+15551234567) or grouped 3-3-4 by a
// space, dot or dash (+1 5551234567, +1 555-123-4567). Not followed by a decimal part.
const INTERNATIONAL = /(?<![\w+])\+(?:1[ .-]?\d{3}[ .-]?\d{3}[ .-]?\d{4}|[2-9](?:[ -]?\d){7,14})(?![\w-]|\.\d)/g;
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?![\\w]|\\.\\d)`, 'g');
const IPV6 = /(?<![\w:])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?|::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}))(?![\w:])/g;

const PATTERNS: ReadonlyArray<[PiiKind, RegExp]> = [
  ['email', EMAIL],
  ['phone', NANP],
  ['phone', INTERNATIONAL],
  ['ip', IPV4],
  ['ip', IPV6],
];

/** Whether any message has PII in its text or in its calls' arguments (where scrub replaces it, and the audit looks). */
export function messagesHavePii(messages: readonly ChatMessage[]): boolean {
  const inText = (text: string) => Object.values(scanPii(text)).some(Boolean);
  return messages.some(({ content, calls, written }) => inText(content) || (calls === true && written !== undefined && callArguments(written).some(inText)));
}

/** Which kinds of PII occur in the text. Cheap character checks skip the patterns for most texts. */
export function scanPii(text: string): { email: boolean; phone: boolean; ip: boolean } {
  const found = { email: false, phone: false, ip: false };
  const at = text.includes('@');
  const digits = /\d/.test(text);
  if (!at && !digits && !text.includes('::')) return found;
  for (const match of findPii(text)) found[match.kind] = true;
  return found;
}

/** Every match, in order, without overlaps (the earlier and then longer match wins). */
export function findPii(text: string): PiiMatch[] {
  const all: PiiMatch[] = [];
  for (const [kind, pattern] of PATTERNS) {
    if (kind === 'email' && !text.includes('@')) continue;
    if (kind !== 'email' && !/[\d:]/.test(text)) continue;
    for (const m of text.matchAll(pattern)) {
      const value = m[0];
      // An IPv6 match needs a digit and two colons or more: "ace::" or "add::be" is prose, not an address
      // (so an address written without a digit, such as "dead:beef::cafe", is not counted).
      if (pattern === IPV6 && !(/\d/.test(value) && value.split(':').length > 2)) continue;
      all.push({ kind, start: m.index, end: m.index + value.length, value });
    }
  }
  all.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: PiiMatch[] = [];
  for (const match of all) if (!kept.length || match.start >= kept.at(-1)!.end) kept.push(match);
  return kept;
}

/**
 * Replaces PII with typed placeholders (`[EMAIL]`, `[PHONE]`, `[IP]`); with `consistent`, one
 * value always gets the same numbered placeholder (`[EMAIL_1]`) within this scrubber.
 */
export class Scrubber {
  readonly counts: Record<PiiKind, number> = { email: 0, phone: 0, ip: 0 };
  readonly #kinds: ReadonlySet<PiiKind>;
  readonly #consistent: boolean;
  readonly #numbers = new Map<string, number>();
  readonly #next: Record<PiiKind, number> = { email: 0, phone: 0, ip: 0 };

  constructor(options: { kinds?: readonly PiiKind[]; consistent?: boolean } = {}) {
    this.#kinds = new Set(options.kinds ?? ['email', 'phone', 'ip']);
    this.#consistent = options.consistent ?? false;
  }

  /** The text with every PII match of the chosen kinds replaced. */
  scrub(text: string): string {
    let out = '';
    let at = 0;
    for (const match of findPii(text)) {
      if (!this.#kinds.has(match.kind)) continue;
      this.counts[match.kind]++;
      out += text.slice(at, match.start) + this.#placeholder(match);
      at = match.end;
    }
    return at === 0 ? text : out + text.slice(at);
  }

  #placeholder({ kind, value }: PiiMatch): string {
    const label = kind.toUpperCase();
    if (!this.#consistent) return `[${label}]`;
    const key = `${kind}:${kind === 'email' ? value.toLowerCase() : value.replace(/\D/g, '')}`;
    let n = this.#numbers.get(key);
    if (n === undefined) this.#numbers.set(key, (n = ++this.#next[kind]));
    return `[${label}_${n}]`;
  }
}
