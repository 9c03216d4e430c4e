import iconv from 'iconv-lite';
import { splitLines } from './lines.ts';

/** A single-byte code page that UTF-8 text may have been misread through. */
export type MojibakeEncoding = 'cp1252' | 'cp1254' | 'latin1' | 'mac_roman';

/** One line that looks like UTF-8 misread through a single-byte code page. */
export interface MojibakeFinding {
  /** 1-based line number. */
  line: number;
  /** The line as it is, without its line ending. */
  text: string;
  /** The proven repair, or null when the line cannot be repaired losslessly. */
  repaired: string | null;
  /** The code page the repair went through; null when there is no repair. */
  encoding: MojibakeEncoding | null;
  /** Why the line could not be repaired; null when it was. */
  reason: string | null;
}

// The order is the tie-break: when two code pages explain a line equally well, the first wins.
const ENCODINGS = ['cp1252', 'cp1254', 'mac_roman', 'latin1'] as const satisfies readonly MojibakeEncoding[];
const ICONV_NAMES = { cp1252: 'windows1252', cp1254: 'windows1254', mac_roman: 'macintosh', latin1: 'latin1' } as const;

interface CodePage {
  encoding: MojibakeEncoding;
  chars: string[];
  bytes: Map<string, number>;
}

function buildCodePage(encoding: MojibakeEncoding): CodePage {
  const chars = [...iconv.decode(Buffer.from(Array.from({ length: 256 }, (_, b) => b)), ICONV_NAMES[encoding])];
  // iconv-lite turns bytes a code page leaves undefined into U+FFFD, which no repair can map back.
  // Windows and the WHATWG decoders pass cp125x's holes (0x81, 0x8D, 0x8F, 0x90, 0x9D, ...) through
  // as the C1 control of the same value, and Apple maps Mac Roman 0xF0 to its logo U+F8FF; mangled
  // files carry exactly those characters, so they get their bytes back here.
  chars.forEach((ch, b) => {
    if (ch === '\uFFFD') chars[b] = encoding === 'mac_roman' && b === 0xf0 ? '\uF8FF' : String.fromCharCode(b);
  });
  return { encoding, chars, bytes: new Map(chars.map((ch, b) => [ch, b])) };
}

const CODE_PAGES = ENCODINGS.map(buildCodePage);

interface Span {
  start: number;
  end: number;
  repaired: string;
}

interface Analysis {
  page: CodePage;
  spans: Span[];
  broken: { start: number; end: number; bytes: number[] }[];
  score: number;
}

// Valid range of the byte after each lead byte, per RFC 3629 (no overlongs, surrogates or > U+10FFFF).
function secondByteRange(lead: number): [number, number] {
  if (lead === 0xe0) return [0xa0, 0xbf];
  if (lead === 0xed) return [0x80, 0x9f];
  if (lead === 0xf0) return [0x90, 0xbf];
  if (lead === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}

// A valid sequence is not yet proof: genuine neighbours also decode, e.g. "ß“" (cp1252 DF 93),
// "CAFÉ»" (C9 BB) or, in Mac Roman, "l’été" (D5 8E). So a two-byte sequence must not start with
// punctuation and must land in Latin, combining marks, Greek, Cyrillic, Hebrew or Arabic, and no
// sequence may produce a control or private-use character.
function plausible(codePoint: number, length: number, lead: string): boolean {
  const twoByteOk = !/\p{P}/u.test(lead) && codePoint >= 0xa0 && codePoint < 0x700 && (codePoint < 0x250 || codePoint >= 0x300);
  return (length > 2 || twoByteOk) && !/[\p{Cc}\p{Co}\p{Cs}]/u.test(String.fromCodePoint(codePoint));
}

// A truncated prefix means a byte was lost on the way. Short prefixes occur in genuine text
// ("é»" is E9 BB), so only long prefixes, the emoji (F0 9F) and punctuation (E2 80) prefixes,
// or a prefix followed by U+FFFD count as evidence.
function lostByte(bytes: number[], next: string | undefined): boolean {
  const [lead, second] = bytes;
  return bytes.length >= 3 || next === '\uFFFD' || (lead === 0xf0 && second === 0x9f) || (lead === 0xe2 && second === 0x80);
}

function analyse(content: string, page: CodePage): Analysis {
  // Work in code points: one per byte of the page, and astral characters can never be a byte.
  const units = [...content];
  const bytes = units.map((ch) => page.bytes.get(ch) ?? -1);
  const analysis: Analysis = { page, spans: [], broken: [], score: 0 };
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i] ?? -1;
    if (lead < 0xc2 || lead > 0xf4) {
      i++;
      continue;
    }
    const need = lead < 0xe0 ? 1 : lead < 0xf0 ? 2 : 3;
    const [lo, hi] = secondByteRange(lead);
    let got = 0;
    let codePoint = lead & (0x3f >> need);
    for (; got < need; got++) {
      const b = bytes[i + 1 + got] ?? -1;
      if (got === 0 ? b < lo || b > hi : b < 0x80 || b > 0xbf) break;
      codePoint = (codePoint << 6) | (b & 0x3f);
    }
    const seq = bytes.slice(i, i + 1 + got);
    let end = i + 1;
    if (got === need && plausible(codePoint, need + 1, units[i] ?? '')) {
      end = i + need + 1;
      analysis.spans.push({ start: i, end, repaired: String.fromCodePoint(codePoint) });
    } else if (got > 0 && got < need && lostByte(seq, units[i + 1 + got])) {
      end = i + 1 + got + (units[i + 1 + got] === '\uFFFD' ? 1 : 0);
      analysis.broken.push({ start: i, end, bytes: seq });
    } else {
      i++;
      continue;
    }
    analysis.score += end - i;
    i = end;
  }
  const offset = offsets(units);
  for (const s of [...analysis.spans, ...analysis.broken]) [s.start, s.end] = [offset[s.start] ?? 0, offset[s.end] ?? 0];
  return analysis;
}

// String offset of each code point index, plus one past the end.
function offsets(units: string[]): number[] {
  const result = [0];
  for (const u of units) result.push((result.at(-1) ?? 0) + u.length);
  return result;
}

// The proof: the repair, written as UTF-8 and read back through the code page, is the original.
function roundTrips(original: string, repaired: string, page: CodePage): boolean {
  return Array.from(Buffer.from(repaired, 'utf8'), (b) => page.chars[b]).join('') === original;
}

function hex(bytes: number[]): string {
  return bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

function inspectLine(content: string, line: number): MojibakeFinding | null {
  let best: Analysis | null = null;
  for (const page of CODE_PAGES) {
    const analysis = analyse(content, page);
    if (analysis.score > (best?.score ?? 0)) best = analysis;
  }
  if (!best) return null;
  const { page } = best;
  const unrepairable = (reason: string): MojibakeFinding => ({ line, text: content, repaired: null, encoding: null, reason });
  const lost = best.broken[0];
  if (lost) {
    return unrepairable(
      `looks like UTF-8 read as ${page.encoding}, but "${content.slice(lost.start, lost.end)}" at column ${lost.start + 1} ` +
        `is an incomplete UTF-8 sequence (${hex(lost.bytes)}): a byte the code page could not represent was lost, ` +
        `so the original character cannot be recovered; retype it by hand`,
    );
  }
  let repaired = '';
  let at = 0;
  for (const span of best.spans) {
    const original = content.slice(span.start, span.end);
    if (!roundTrips(original, span.repaired, page)) {
      return unrepairable(`"${original}" at column ${span.start + 1} does not survive a ${page.encoding} round trip; fix it by hand`);
    }
    repaired += content.slice(at, span.start) + span.repaired;
    at = span.end;
  }
  repaired += content.slice(at);
  return { line, text: content, repaired, encoding: page.encoding, reason: null };
}

/** Lists the lines of `text` that hold mojibake, with a proven repair or the reason there is none. */
export function findMojibake(text: string): MojibakeFinding[] {
  return splitLines(text).flatMap((l) => inspectLine(l.content, l.number) ?? []);
}

/** Repairs the proven mojibake lines of `text`; every other byte, line endings included, is kept. */
export function repairMojibake(text: string): { text: string; findings: MojibakeFinding[] } {
  const findings: MojibakeFinding[] = [];
  let out = '';
  for (const l of splitLines(text)) {
    const finding = inspectLine(l.content, l.number);
    if (finding) findings.push(finding);
    out += (finding?.repaired ?? l.content) + text.slice(l.contentEnd, l.end);
  }
  return { text: out, findings };
}
