/** One bar: its label and value. */
export interface Bar {
  label: string;
  value: number;
}

const WIDTH = 640;
const BAR_HEIGHT = 22;
const GAP = 6;
const LABEL_WIDTH = 190;
const VALUE_WIDTH = 110;
const TOP = 40;
const FONT = 'font-family="-apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12"';

/** Text made safe for SVG: the five XML entities. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * A horizontal bar chart as a standalone SVG: title, one labelled bar per value with its count
 * (and share), bars proportional to the largest value. No scripts and no external fonts, so
 * GitHub renders it as an image.
 */
export function barChart(title: string, bars: readonly Bar[], options: { unit?: string } = {}): string {
  const max = Math.max(0, ...bars.map((b) => b.value));
  const total = bars.reduce((sum, b) => sum + b.value, 0);
  const height = TOP + Math.max(1, bars.length) * (BAR_HEIGHT + GAP) + 10;
  const room = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20;
  const rows = bars.map((bar, i) => {
    const y = TOP + i * (BAR_HEIGHT + GAP);
    const width = max > 0 ? Math.round((bar.value / max) * room * 10) / 10 : 0;
    const share = total > 0 ? ` (${((bar.value / total) * 100).toFixed(1)}%)` : '';
    const label = bar.label.length > 28 ? `${bar.label.slice(0, 27)}…` : bar.label;
    return [
      `<text x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end" ${FONT} fill="#24292f">${escapeXml(label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${width}" height="${BAR_HEIGHT}" rx="3" fill="#2f81f7"><title>${escapeXml(`${bar.label}: ${bar.value}`)}</title></rect>`,
      `<text x="${LABEL_WIDTH + width + 6}" y="${y + 15}" ${FONT} fill="#57606a">${bar.value.toLocaleString('en-US')}${escapeXml(options.unit ?? '')}${share}</text>`,
    ].join('');
  });
  if (bars.length === 0) rows.push(`<text x="${LABEL_WIDTH}" y="${TOP + 15}" ${FONT} fill="#57606a">no data</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="24" font-family="-apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="15" font-weight="600" fill="#24292f">${escapeXml(title)}</text>`,
    ...rows,
    '</svg>',
    '',
  ].join('\n');
}

/** Histogram bins as bars labelled by their range (`10–24`, `≥ 5000`), empty tails trimmed. */
export function histogramBars(bins: ReadonlyArray<{ from: number; to: number | null; count: number }>): Bar[] {
  let first = bins.findIndex((b) => b.count > 0);
  let last = bins.length - 1 - [...bins].reverse().findIndex((b) => b.count > 0);
  if (first === -1) return [];
  first = Math.max(0, first);
  last = Math.min(bins.length - 1, last);
  return bins.slice(first, last + 1).map((b) => ({
    label: b.to === null ? `≥ ${b.from.toLocaleString('en-US')}` : b.to - b.from === 1 ? `${b.from}` : `${b.from.toLocaleString('en-US')}–${(b.to - 1).toLocaleString('en-US')}`,
    value: b.count,
  }));
}
