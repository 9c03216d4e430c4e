import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { sha256File } from '../digest.ts';
import { PipelineError } from '../errors.ts';
import { TIERS } from './plan.ts';

/** The manifest's file name in a build's out directory. */
export const MANIFEST_FILE = 'manifest.json';

/** The record of a build: what went in, what came out, and each step's count against its expectation. */
export const BuildManifest = z.object({
  recipe: z.string(),
  seed: z.string(),
  tool_version: z.string(),
  built_at: z.string(),
  inputs: z.array(z.object({ name: z.string(), path: z.string(), sha256: z.string(), rows: z.number().int() })),
  steps: z.array(
    z.object({ name: z.string(), kind: z.string(), tier: z.enum(TIERS), output: z.string(), rows: z.number().int(), sha256: z.string(), expected: z.string().nullable() }),
  ),
});
/** A build manifest. */
export type BuildManifest = z.infer<typeof BuildManifest>;

/** What a previous manifest must say of an output for a build to remove it: no more is trusted. */
const Listed = z.object({ steps: z.array(z.object({ tier: z.enum(TIERS), output: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })) });

/** The previous build's outputs that the new manifest no longer lists: those to remove, those to leave. */
export interface StaleOutputs {
  /** Still the bytes that build wrote (their sha256 is the one its manifest gives). */
  remove: string[];
  /** Changed since, or not a file that can be read: not Quimbot's bytes any more, so left in place. */
  leave: string[];
}

/**
 * Finds the outputs of the build before this one that the new build does not write, from the
 * manifest in `out`. Only what that manifest lists counts, and only as a file of its tier in
 * `out` (`out/<tier>/<name>.jsonl`, wherever the manifest says the build was), so nothing
 * outside the build's own layout is ever named; a file is removed only while its bytes are
 * the ones that build wrote. No previous manifest, or one that cannot be read, names nothing.
 */
export async function staleOutputs(out: string, written: ReadonlySet<string>, signal: AbortSignal | undefined): Promise<StaleOutputs> {
  const stale: StaleOutputs = { remove: [], leave: [] };
  const seen = new Set<string>();
  for (const step of previousSteps(join(out, MANIFEST_FILE))) {
    const name = basename(step.output);
    const path = join(out, step.tier, name);
    if (!name.endsWith('.jsonl') || written.has(path) || seen.has(path)) continue;
    seen.add(path);
    const sha256 = await sha256File(path, signal).catch((error: unknown) => {
      const code = error instanceof PipelineError ? error.code : null;
      if (code === 'CANCELLED') throw error;
      return code === 'FILE_NOT_FOUND' ? null : '';
    });
    if (sha256 === step.sha256) stale.remove.push(path);
    else if (sha256 !== null) stale.leave.push(path);
  }
  return stale;
}

function previousSteps(path: string): z.infer<typeof Listed>['steps'] {
  try {
    return Listed.parse(JSON.parse(readFileSync(path, 'utf8'))).steps;
  } catch {
    return [];
  }
}
