import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { PipelineError } from './errors.ts';

/** The sha256 of a file's bytes, in hex, read as a stream. */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, signal })) hash.update(chunk as Buffer);
  } catch (error) {
    if (signal?.aborted) throw new PipelineError('CANCELLED', `${path}: cancelled`);
    const code = (error as NodeJS.ErrnoException).code;
    throw new PipelineError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'READ_FAILED', `${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { path });
  }
  return hash.digest('hex');
}
