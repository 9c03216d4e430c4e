import { z } from 'zod';
import { CHAT_ROLES, makesCall } from './chat-rows.ts';

export { CHAT_ROLES, COOKBOOK_ERRORS, cookbookErrors, detectFormat, FORMATS, isRecord, mapRowTexts, openaiFormatErrors, toChatRow } from './chat-rows.ts';
export type { ChatMessage, ChatRow, CookbookError, Format, OpenAIFormatError } from './chat-rows.ts';

/** One part of a content given as a list: `{type: 'text', text}`, `{type: 'image_url', image_url}`, … */
const ContentPart = z.object({ type: z.string() }).loose();

/** A message's content: a text, a list of parts (OpenAI's vision rows), or null beside a call. */
const MessageContent = z.union([z.string(), z.array(ContentPart)]).nullable();

/** OpenAI takes an assistant message with `tool_calls` or `function_call` and no content. */
const hasContentOrCall = (message: Record<string, unknown>) => message.content !== undefined || makesCall(message);
const CONTENT_OR_CALL = { message: 'content is required unless the message makes a tool or function call', path: ['content'] };

/** An OpenAI chat message as the fine-tuning API accepts it. */
export const OpenAIMessage = z
  .object({
    role: z.enum(CHAT_ROLES),
    content: MessageContent.optional(),
    name: z.string().optional(),
    weight: z.union([z.literal(0), z.literal(1)]).optional(),
    function_call: z.unknown().optional(),
    tool_calls: z.array(z.unknown()).optional(),
    tool_call_id: z.string().optional(),
  })
  .strict()
  .refine(hasContentOrCall, CONTENT_OR_CALL);

/** An OpenAI chat fine-tuning row: `messages` and optional `tools`, `functions`, `parallel_tool_calls`; nothing else. */
export const OpenAIRow = z
  .object({
    messages: z.array(OpenAIMessage).min(1),
    tools: z.array(z.unknown()).optional(),
    functions: z.array(z.unknown()).optional(),
    parallel_tool_calls: z.boolean().optional(),
  })
  .strict();

/** An Unsloth-style row: OpenAI messages plus a row-level `weight` and any metadata beside them. */
export const UnslothRow = z
  .object({
    messages: z.array(z.object({ role: z.string(), content: MessageContent.optional() }).loose().refine(hasContentOrCall, CONTENT_OR_CALL)).min(1),
    weight: z.number().optional(),
  })
  .loose();

/** A ShareGPT row: `conversations` of `{from, value}`. */
export const ShareGptRow = z
  .object({
    conversations: z.array(z.object({ from: z.string(), value: z.string() }).loose()).min(1),
    system: z.string().optional(),
  })
  .loose();

/** An Alpaca row: instruction, optional input, output. */
export const AlpacaRow = z
  .object({ instruction: z.string(), input: z.string().optional(), output: z.string(), system: z.string().optional() })
  .loose();
