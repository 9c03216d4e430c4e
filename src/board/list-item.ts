import { indentWidth } from './lines.ts';

/** The parts of a list item's first line, as offsets into the line's content. */
export interface ListItem {
  indent: number;
  /** `-`, `*`, `+`, or an ordinal like `3.` / `3)`. */
  marker: string;
  markerStart: number;
  /** Offset of the `x` or space inside `[ ]`, when the item is a checkbox. */
  checkboxAt: number | null;
  checked: boolean | null;
  /** Where the item's own text starts (after marker and checkbox). */
  textStart: number;
}

const LIST_ITEM = /^([ \t]*)([-*+]|\d{1,9}[.)])(?:([ \t]+)(?:(\[)([ xX])\](?:[ \t]+|$))?|$)/;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;

/** Reads a Markdown list item line (bullets, ordinals, `- [ ]` checkboxes), or null. */
export function matchListItem(content: string): ListItem | null {
  if (THEMATIC_BREAK.test(content)) return null;
  const m = LIST_ITEM.exec(content);
  if (!m) return null;
  const [whole, lead = '', marker = '', gap = '', bracket] = m;
  const markerStart = lead.length;
  const checkboxAt = bracket ? markerStart + marker.length + gap.length + 1 : null;
  return {
    indent: indentWidth(lead),
    marker,
    markerStart,
    checkboxAt,
    checked: checkboxAt === null ? null : content[checkboxAt] !== ' ',
    textStart: whole.length,
  };
}

/** True when a line opens or closes a fenced code block; returns the fence (``` or ~~~…). */
export function matchFence(content: string): { indent: number; fence: string } | null {
  const m = /^([ \t]*)(`{3,}|~{3,})/.exec(content);
  return m ? { indent: indentWidth(m[1] ?? ''), fence: m[2] ?? '' } : null;
}

/** True when a line closes the fence `open`: the same character, at least as long, nothing after. */
export function closesFence(content: string, open: string): boolean {
  const close = matchFence(content);
  return close !== null && close.fence[0] === open[0] && close.fence.length >= open.length && content.trim() === close.fence;
}
