import { mapRowTexts } from './formats.ts';
import { withOutputs } from './output.ts';
import type { OutputSummary } from './output.ts';
import { Scrubber } from './pii.ts';
import type { PiiKind } from './pii.ts';
import { readRows } from './rows.ts';
import type { RowProgress } from './rows.ts';

/** How to scrub. */
export interface ScrubOptions {
  out: string;
  /** The same value always gets the same numbered placeholder (`[EMAIL_1]`) in this run. */
  consistent?: boolean;
  kinds?: readonly PiiKind[];
  signal?: AbortSignal;
  onProgress?: (progress: RowProgress) => void;
}

/** What a scrub replaced. */
export interface ScrubResult {
  input: { sha256: string; lines: number; rows: number };
  output: OutputSummary;
  replaced: Record<PiiKind, number>;
  rows_changed: number;
  /** Lines that are not chat rows (not JSON, or no message list), copied through unchanged: they may still hold PII. */
  unparsed_copied: number;
  blank_lines: number;
}

/**
 * Replaces emails, phones and IPs in every message text with `[EMAIL]`, `[PHONE]`, `[IP]`,
 * keeping each row's format and other fields. A row with nothing to replace is copied as written.
 */
export async function scrubFile(path: string, options: ScrubOptions): Promise<ScrubResult> {
  const scrubber = new Scrubber({ consistent: options.consistent ?? false, ...(options.kinds ? { kinds: options.kinds } : {}) });
  let lines = 0;
  let rows = 0;
  let changed = 0;
  let unparsed = 0;
  let blank = 0;
  const { result } = await withOutputs(async ({ open }) => {
    const out = open(options.out);
    let sha256 = '';
    for await (const row of readRows([path], { signal: options.signal, onProgress: options.onProgress, onSha256: (_, hex) => (sha256 = hex) })) {
      lines++;
      if (row.issue === 'blank') {
        blank++;
        continue;
      }
      rows++;
      if (!row.chat) {
        unparsed++;
        out.write(row.text);
        continue;
      }
      const before = total(scrubber.counts);
      const scrubbed = mapRowTexts(row.value, (text) => scrubber.scrub(text));
      if (total(scrubber.counts) === before) {
        out.write(row.text);
        continue;
      }
      changed++;
      out.write(JSON.stringify(scrubbed));
    }
    return {
      input: { sha256, lines, rows },
      output: out.seal(),
      replaced: { ...scrubber.counts },
      rows_changed: changed,
      unparsed_copied: unparsed,
      blank_lines: blank,
    };
  }, { signal: options.signal });
  return result;
}

function total(counts: Record<PiiKind, number>): number {
  return counts.email + counts.phone + counts.ip;
}
