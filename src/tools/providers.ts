import { ProviderError } from '../providers/index.ts';
import type { ProviderAccess } from '../providers/index.ts';
import { ToolError } from './errors.ts';
import type { ToolContext } from './tool.ts';

/** The providers a model-calling tool was given; a caller that forgot them is a bug, said plainly. */
export function providersOf(context: ToolContext, tool: string): ProviderAccess {
  if (!context.providers) throw new ToolError('INTERNAL', `${tool} calls model providers, but none were passed to it`);
  return context.providers;
}

/** How long to wait before trying again after a provider failure (its retry-after, else backoff with jitter); null when final. */
export function providerRetryDelay(error: unknown, attempt: number): number | null {
  if (!(error instanceof ProviderError) || !error.retryable) return null;
  const base = error.retryAfterMs ?? Math.min(60_000, 1000 * 2 ** attempt);
  return base + Math.floor(Math.random() * Math.min(1000, base * 0.2 + 1));
}
