import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { auditFiles, splitRanges } from '../src/pipeline/index.ts';
import type { AuditReport } from '../src/pipeline/index.ts';
import { plantedDataset, rng, shinglePairs, textRow } from './helpers/datasets.ts';

const dir = mkdtempSync(join(tmpdir(), 'quimbot-threads-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// About 10 MB (over the threshold for threads): planted flaws, duplicates of the first row all
// through the file (so across range cuts), a BOM, CRLF, and a truncated last line.
const COUNTS = { clean: 22_000, parseErrors: 40, missingMessages: 10, emptyAssistant: 60, alternation: 30, exactDuplicates: 300, emails: 25, phones: 25, ips: 10, noFinalPunct: 50, weightOutOfRange: 20, blankLines: 30, dataType: 6, messageMissingKey: 7, unrecognizedKey: 8, unrecognizedRole: 9, ipv6s: 15 };
const big = join(dir, 'big.jsonl');
writeFileSync(big, `\ufeff${plantedDataset(COUNTS, 3, '\r\n').text}{"messages": [{"role": "user", "content": "cut off`);
const second = join(dir, 'second.jsonl');
writeFileSync(second, plantedDataset({ ...COUNTS, clean: 20_000 }, 4).text);

const comparable = (report: AuditReport) => ({ ...report, elapsed_ms: 0 });

describe('threaded audit', () => {
  test('ranges start at line starts and cover the file exactly', async () => {
    const bytes = readFileSync(big);
    for (const parts of [1, 2, 3, 7]) {
      const ranges = await splitRanges(big, parts);
      assert.equal(ranges[0]!.start, 0);
      assert.equal(ranges.at(-1)!.end, bytes.length);
      for (const [i, range] of ranges.entries()) {
        if (i > 0) assert.equal(bytes[range.start - 1], 10, 'a range starts right after a newline');
        if (i > 0) assert.equal(range.start, ranges[i - 1]!.end);
      }
    }
  });

  test('2 and 3 threads give the same report as one, with near duplicates, over several files', async () => {
    const options = { near: true, names: ['big.jsonl', 'second.jsonl'] };
    const single = comparable(await auditFiles([big, second], { ...options, threads: 1 }));
    assert.equal(single.counts.exact_duplicate_rows.count, 2 * COUNTS.exactDuplicates);
    assert.equal(single.counts.truncated_lines.count, 1);
    assert.equal(single.counts.rows_with_ip.count, 2 * (COUNTS.ips + COUNTS.ipv6s));
    const cookbook = (['data_type', 'message_missing_key', 'message_unrecognized_key', 'unrecognized_role'] as const).map((name) => single.counts[name].count);
    assert.deepEqual(cookbook, [2 * COUNTS.dataType, 2 * COUNTS.messageMissingKey, 2 * COUNTS.unrecognizedKey, 2 * COUNTS.unrecognizedRole]);
    for (const threads of [2, 3]) {
      assert.deepEqual(comparable(await auditFiles([big, second], { ...options, threads })), single, `${threads} threads`);
    }
  });

  test('at threshold 0.6, pairs whose rows are in different ranges are found as on one thread', async () => {
    const random = rng(8);
    const above = shinglePairs(random, 40, 0.7).pairs;
    const below = shinglePairs(random, 40, 0.45).pairs;
    const rows = (texts: string[]) => texts.map((text) => `${JSON.stringify(textRow(text))}\n`).join('');
    const pairs = [...above, ...below];
    const path = join(dir, 'pairs.jsonl');
    writeFileSync(path, rows(pairs.map(([a]) => a)) + plantedDataset({ ...COUNTS, exactDuplicates: 0 }, 5).text + rows(pairs.map(([, b]) => b)));
    const single = comparable(await auditFiles([path], { nearThreshold: 0.6, threads: 1 }));
    assert.equal(single.counts.near_duplicate_rows.count, above.length);
    assert.deepEqual(comparable(await auditFiles([path], { nearThreshold: 0.6, threads: 2 })), single);
  });

  test('a row of 2 million objects is audited on a worker like any other: the same report as one thread, progress never past the total', async () => {
    // 9 MB of rows (the first range: this thread takes it), then one whose 2 million empty objects
    // take 130 MB of heap (the second range: the worker's, as it starts). A worker whose heap was
    // capped at 96 MB aborted the whole process on it (nodejs/node#47224).
    const huge = join(dir, 'huge.jsonl');
    const rows = Array.from({ length: 60_000 }, (_, i) => JSON.stringify(textRow(`row ${i} of the first range, long enough to fill it.`)));
    const heavy = JSON.stringify({ ...textRow('heavy'), objects: '[objects]' }).replace('"[objects]"', `[${'{},'.repeat(2_000_000)}{}]`);
    writeFileSync(huge, `${rows.join('\n')}\n${heavy}\n${rows.slice(0, 100).join('\n')}\n`);
    const size = readFileSync(huge).length;
    const single = comparable(await auditFiles([huge], { threads: 1, near: false }));
    let most = 0;
    const report = await auditFiles([huge], { threads: 2, near: false, onProgress: ({ bytes }) => (most = Math.max(most, bytes)) });
    assert.deepEqual(comparable(report), single);
    assert.equal(report.rows, 60_101);
    assert.ok(most <= size, `progress reached ${most} of ${size} bytes`);
  });

  test('a cancelled threaded audit rejects with CANCELLED', async () => {
    const controller = new AbortController();
    const audit = auditFiles([big], { threads: 2, near: false, signal: controller.signal, onProgress: () => controller.abort() });
    await assert.rejects(audit, (e: { code?: string }) => e.code === 'CANCELLED');
  });
});
