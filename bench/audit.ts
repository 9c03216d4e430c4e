/**
 * Audit throughput on generated chat JSONL (not a test). Usage:
 *   node --import tsx bench/audit.ts [MB]      (default 400 MB, 100,000 rows of ~4 KB)
 * Prints MB/s, rows/s and peak RSS for the full audit (without and with near duplicates)
 * beside a baseline in the same run: reading the file and JSON.parse of every line.
 */
import { appendFileSync, createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { auditFiles } from '../src/pipeline/index.ts';
import { rng as random } from '../test/helpers/random.ts';

const TARGET_MB = Number(process.argv[2] ?? 400);
const TARGETS = { full: 150, near: 30, rssMb: 400 };


const VOCAB = [
  ...'the a of to and in is it that for on with as this be are was by learner answer question grammar sentence vocabulary essay paragraph explain example because however therefore'.split(' '),
  ...'estudiante respuesta pregunta gramática ejemplo porque'.split(' '),
  ...'学生 回答 问题 语法 例子'.split(' '),
  ...'студент ответ вопрос грамматика пример'.split(' '),
];

function generate(path: string, megabytes: number): number {
  writeFileSync(path, '');
  const next = random(7);
  const text = (words: number) => Array.from({ length: words }, () => VOCAB[Math.floor(next() * VOCAB.length)]).join(' ');
  const lines: string[] = [];
  let bytes = 0;
  let rows = 0;
  while (bytes < megabytes * 1e6) {
    const r = next();
    const row =
      r < 0.01
        ? '{"messages": [broken'
        : JSON.stringify({
            messages: [
              { role: 'system', content: 'You are a patient English tutor.' },
              { role: 'user', content: `${text(80)}?${r < 0.02 ? ' mail me at student@example.edu' : ''}` },
              { role: 'assistant', content: r < 0.03 ? '' : `${text(550)}.` },
            ],
            weight: r < 0.067 ? 1 : 0.2 + Math.floor(next() * 7) / 10,
            difficulty: r < 0.58 ? 'easy' : r < 0.99 ? 'medium' : 'hard',
          });
    lines.push(row);
    bytes += Buffer.byteLength(row) + 1;
    rows++;
    // Written in chunks so the generator's memory does not count against the audit's peak RSS.
    if (lines.length === 1000) appendFileSync(path, `${lines.splice(0).join('\n')}\n`);
  }
  appendFileSync(path, lines.length ? `${lines.join('\n')}\n` : '');
  return rows;
}

async function baseline(path: string): Promise<number> {
  const started = performance.now();
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) {
    try {
      JSON.parse(line);
    } catch {
      // counted by the audit, not here
    }
  }
  return performance.now() - started;
}

const dir = mkdtempSync(join(tmpdir(), 'quimbot-bench-audit-'));
try {
  const path = join(dir, 'chat.jsonl');
  const rows = generate(path, TARGET_MB);
  const mb = statSync(path).size / 1e6;
  console.log(`data: ${rows.toLocaleString('en-US')} rows, ${mb.toFixed(0)} MB`);
  const base = await baseline(path);
  console.log(`baseline (readline + JSON.parse)   ${(mb / (base / 1000)).toFixed(1).padStart(7)} MB/s`);
  const cores = availableParallelism();
  const runs = [
    ['full audit, no near-dup, 1 thread', false, 1, TARGETS.full],
    [`full audit, no near-dup, ${cores} threads`, false, cores, TARGETS.full],
    ['with near-dup, 1 thread', true, 1, TARGETS.near],
    [`with near-dup, ${cores} threads`, true, cores, TARGETS.near],
  ] as const;
  for (const [name, near, threads, target] of runs) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const report = await auditFiles([path], { near, threads });
    const seconds = (performance.now() - started) / 1000;
    const rate = mb / seconds;
    // CPU time of every thread, per 100 MB: what the audit costs, whatever else the host runs.
    const { user, system } = process.cpuUsage(cpu);
    console.log(
      `${name.padEnd(38)} ${rate.toFixed(1).padStart(7)} MB/s  ${Math.round(report.rows / seconds).toLocaleString('en-US').padStart(9)} rows/s  target ≥ ${target} MB/s  ${rate >= target ? 'OK' : 'MISS'}  (CPU ${((user + system) / 1000 / (mb / 100)).toFixed(0)} ms per 100 MB, peak RSS so far ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB)`,
    );
  }
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(`peak RSS ${rss.toFixed(0)} MB  target ≤ ${TARGETS.rssMb} MB  ${rss <= TARGETS.rssMb ? 'OK' : 'MISS'}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
