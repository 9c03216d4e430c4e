import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { ProviderError } from './errors.ts';
import type { ProviderAccess, ProviderSettings } from './settings.ts';

/** A provider by name, with its key read from the environment; clear errors when either is missing. */
export function providerSettings(access: ProviderAccess, name: string): ProviderSettings & { name: string; apiKey: string } {
  const settings = access.providers[name];
  if (!settings) throw new ProviderError('UNKNOWN_PROVIDER', `no provider named "${name}"; known: ${Object.keys(access.providers).join(', ')} (add it under "providers" in quimbot.config.json)`);
  const apiKey = access.env[settings.apiKeyEnv];
  if (!apiKey) throw new ProviderError('NO_API_KEY', `no API key for ${name}: set ${settings.apiKeyEnv}`);
  return { ...settings, name, apiKey };
}

// Retries are ours (a shared pause on 429 with the provider's retry-after), so the SDKs make one attempt.
const SDK_OPTIONS = { maxRetries: 0, timeout: 600_000 } as const;

/** The `openai` client for an OpenAI-compatible provider, loaded on first use. */
export async function openaiClient(access: ProviderAccess, name: string): Promise<OpenAI> {
  const settings = providerSettings(access, name);
  if (settings.kind !== 'openai') throw new ProviderError('UNKNOWN_PROVIDER', `${name} speaks the ${settings.kind} API, not OpenAI's`);
  const { default: Client } = await import('openai');
  return new Client({ apiKey: settings.apiKey, ...(settings.baseURL ? { baseURL: settings.baseURL } : {}), ...SDK_OPTIONS });
}

/** The `@anthropic-ai/sdk` client, loaded on first use. */
export async function anthropicClient(access: ProviderAccess, name: string): Promise<Anthropic> {
  const settings = providerSettings(access, name);
  const { default: Client } = await import('@anthropic-ai/sdk');
  return new Client({ apiKey: settings.apiKey, ...(settings.baseURL ? { baseURL: settings.baseURL } : {}), ...SDK_OPTIONS });
}
