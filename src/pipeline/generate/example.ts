import { z } from 'zod';
import { hasAlternationViolation, hasEmptyAssistant, lacksFinalPunctuation } from '../audit/checks.ts';
import { cookbookErrors } from '../formats.ts';
import type { ChatMessage } from '../formats.ts';
import { messagesHavePii } from '../pii.ts';
import type { GenItem } from './plan.ts';
import type { GateRule, GenRecipe } from './recipe.ts';

const Conversation = z.object({
  messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() }).strict()).min(2),
});

/** The example's messages from the model's text, or why it cannot be one. */
export function exampleMessages(recipe: GenRecipe, item: GenItem, text: string): { messages: ChatMessage[] } | { reject: string } {
  const system: ChatMessage[] = recipe.exampleSystem ? [{ role: 'system', content: recipe.exampleSystem }] : [];
  if (recipe.mode === 'answer') return { messages: [...system, { role: 'user', content: item.prompt }, { role: 'assistant', content: text.trim() }] };
  // Models often wrap JSON in a code fence; the conversation is the first object in the text.
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  let value: unknown;
  try {
    value = JSON.parse(text.slice(start, end + 1));
  } catch {
    return { reject: 'not-json' };
  }
  const parsed = Conversation.safeParse(value);
  if (!parsed.success) return { reject: 'not-a-conversation' };
  const messages = parsed.data.messages;
  return { messages: messages[0]?.role === 'system' || !system.length ? messages : [...system, ...messages] };
}

/** The gate rules the example breaks (exact duplicates are the runner's: it knows what was written). */
export function gateProblems(rules: readonly GateRule[], messages: ChatMessage[]): GateRule[] {
  const broken: GateRule[] = [];
  for (const rule of rules) {
    if (rule === 'format' && cookbookErrors({ messages }).length > 0) broken.push(rule);
    else if (rule === 'empty-assistant' && hasEmptyAssistant(messages)) broken.push(rule);
    else if (rule === 'alternation' && hasAlternationViolation(messages)) broken.push(rule);
    else if (rule === 'no-final-punct' && lacksFinalPunctuation(messages)) broken.push(rule);
    else if (rule === 'pii' && messagesHavePii(messages)) broken.push(rule);
  }
  return broken;
}
