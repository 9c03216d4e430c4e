import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { BoardError, repairMojibake, writeFileAtomic } from '../board/index.ts';
import { defineTool } from './tool.ts';

const Finding = z.object({
  line: z.number().int(),
  text: z.string(),
  repaired: z.string().nullable(),
  encoding: z.string().nullable(),
  reason: z.string().nullable(),
});

/** `doctor`: finds UTF-8 text that went through a legacy code page, and repairs what it can prove. */
export const doctor = defineTool({
  name: 'doctor',
  command: ['doctor'],
  title: 'Find and repair mojibake',
  description:
    'Finds lines of UTF-8 text that were decoded as cp1252, cp1254, latin-1 or Mac Roman and re-encoded ("â€”" for "—"). ' +
    'With --fix, repairs every line whose repair round-trips exactly, keeps a backup, and reports the lines it cannot repair.',
  positionals: ['file'],
  input: z.object({
    file: z.string().min(1).describe('Markdown (or any UTF-8 text) file to check'),
    fix: z.boolean().default(false).describe('repair the proven lines in place, keeping FILE.bak'),
  }),
  output: z.object({
    path: z.string(),
    findings: z.array(Finding),
    repaired: z.number().int().describe('lines repaired (with --fix) or repairable'),
    unrepaired: z.number().int().describe('lines that look broken but cannot be repaired losslessly'),
    backup: z.string().nullable(),
    written: z.boolean(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async run({ file, fix }, context) {
    const path = context.resolvePath(file);
    // Read at once: the whole text is decoded and checked on this thread anyway, and an async read
    // is four trips through the thread pool (open, stat, read, close) for a card's small file.
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new BoardError('FILE_NOT_FOUND', `${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code})`}`);
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      throw new BoardError('NOT_UTF8', `${file}: not UTF-8 text; doctor repairs UTF-8 that was mis-decoded, not other encodings`);
    }
    const result = repairMojibake(text);
    const repaired = result.findings.filter((f) => f.repaired !== null).length;
    const unrepaired = result.findings.length - repaired;
    let backup: string | null = null;
    if (fix && result.text !== text) {
      backup = freeBackupName(path);
      copyFileSync(path, backup);
      writeFileAtomic(path, result.text);
    }
    return { path: file, findings: result.findings, repaired, unrepaired, backup, written: backup !== null };
  },
  summarize({ path, findings, repaired, unrepaired, backup }) {
    if (findings.length === 0) return `${path}: no mojibake found`;
    const lines = findings.map((f) =>
      f.repaired !== null
        ? `${path}:${f.line}: ${f.encoding}: ${f.text.trim()}  ->  ${f.repaired.trim()}`
        : `${path}:${f.line}: cannot repair: ${f.reason}: ${f.text.trim()}`,
    );
    const verb = backup ? `repaired ${repaired} line(s) (backup: ${backup})` : `${repaired} line(s) repairable with --fix`;
    return [...lines, `${verb}; ${unrepaired} line(s) cannot be repaired losslessly`].join('\n');
  },
  exitCode: ({ findings, unrepaired, written }) => (unrepaired > 0 || (findings.length > 0 && !written) ? 1 : 0),
});

function freeBackupName(path: string): string {
  let candidate = `${path}.bak`;
  for (let n = 1; existsSync(candidate); n++) candidate = `${path}.bak.${n}`;
  return candidate;
}
