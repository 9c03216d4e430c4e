import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { PipelineError } from './errors.ts';

/** Reads a recipe file (YAML or JSON) against its schema; INVALID_RECIPE names the file and every field that is wrong. */
export function readRecipeFile<S extends z.ZodType>(path: string, schema: S): z.output<S> {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new PipelineError('FILE_NOT_FOUND', `${path}: no such file`, { path });
    throw new PipelineError('INVALID_RECIPE', `${path}: not valid YAML: ${(error as Error).message}`, { path });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new PipelineError('INVALID_RECIPE', `${path}: ${problems.join('; ')}`, { path, problems });
  }
  return parsed.data;
}
