import type { SlashCommand } from './types.ts';

const SLASH_COMMAND = /^\/[a-z][\w-]*(?:\s|$)/;

/** True for a code span that holds a slash command (`/data audit …`), not a path like `/usr/bin`. */
export function isSlashCommand(codeSpan: string): boolean {
  return SLASH_COMMAND.test(codeSpan.trim());
}

/** Parses a slash command into argv with shell-like quoting ('…', "…", backslash escapes). */
export function parseSlashCommand(raw: string): SlashCommand {
  const body = raw.trim().slice(1);
  try {
    return { raw, argv: splitWords(body), error: null };
  } catch (error) {
    return { raw, argv: [], error: (error as Error).message };
  }
}

/** Splits a command line into words the way a POSIX shell would, without expansions. */
export function splitWords(line: string): string[] {
  // Most commands quote nothing: split on whitespace without walking characters.
  if (!/["'\\]/.test(line)) {
    const trimmed = line.trim();
    return trimmed === '' ? [] : trimmed.split(/\s+/);
  }
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) word += line[++i];
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unclosed ${quote} quote in "${line}"`);
  if (inWord) words.push(word);
  return words;
}

/** Quotes a word so that `splitWords` gives it back unchanged. */
export function quoteWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
