import { z } from 'zod';

/** A file a data tool wrote: where (as the caller named it), how many rows and bytes, its sha256. */
export const OutputFile = z.object({ path: z.string(), rows: z.number().int(), bytes: z.number().int(), sha256: z.string() });
