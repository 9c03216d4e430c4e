export { chat } from './chat.ts';
export { withRequestSignal } from './request-signal.ts';
export type { ChatAnswer, ChatRequest } from './chat.ts';
export { anthropicClient, openaiClient, providerSettings } from './clients.ts';
export { ProviderError, retryableStatus, retryAfterMs, STATUS_TEXT, toProviderError } from './errors.ts';
export type { ProviderErrorCode } from './errors.ts';
export { costOf, DEFAULT_PROVIDERS, PROVIDER_KINDS, ProviderSettingsSchema } from './settings.ts';
export type { Prices, ProviderAccess, ProviderSettings, Usage } from './settings.ts';
