import { z } from 'zod';

/** What an agent is for: the lead triages and splits, quality reviews, execution runs tools. */
export const ROLES = ['lead', 'quality', 'execution'] as const;
/** One of the agent roles. */
export type Role = (typeof ROLES)[number];

/** How an agent does its work. `auto` is a model backend when its key is set, else `pipeline`; `a2a` is a peer daemon. */
export const BACKENDS = ['pipeline', 'anthropic', 'openai', 'cli', 'a2a', 'auto'] as const;

/** One agent of the team, as configured. */
export const AgentSpecSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z][\w.-]*$/, 'a name like Codex or cursor-1 (letters, digits, _ . -)'),
    role: z.enum(ROLES),
    backend: z.enum(BACKENDS).default('pipeline'),
    model: z.string().min(1).optional(),
    /** Registry tool names this agent may call; `*` and trailing `*` patterns (`data_*`) allowed. */
    tools: z.array(z.string().min(1)).default(['*']),
    concurrency: z.number().int().min(1).max(64).default(1),
    /** Finished cards go to Review instead of Done, for the quality agent to check. */
    review: z.boolean().default(false),
    /** For `cli`: the command template, e.g. `claude -p {prompt}`; `{prompt}` and `{card}` are filled in. */
    command: z.string().min(1).optional(),
    /** For `cli`: in a git repository, run each card in its own worktree and branch `quimbot/<card>`. */
    worktree: z.boolean().default(true),
    /** For `openai`/`anthropic`: an API base URL (OpenRouter, vLLM, Ollama, LM Studio, a proxy). */
    baseURL: z.url().optional(),
    /** The environment variable holding the API key; the key itself is never written anywhere. */
    apiKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).optional(),
    maxTurns: z.number().int().min(1).max(100).default(12),
    maxTokens: z.number().int().min(1).default(4096),
    /** Total token budget of one run across turns. */
    budgetTokens: z.number().int().min(1).default(200_000),
    timeoutMs: z.number().int().min(1000).default(600_000),
  })
  .strict()
  .superRefine((agent, ctx) => {
    if (agent.backend === 'cli' && !agent.command) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'a cli agent needs a command template, e.g. "claude -p {prompt}"' });
    }
  });

/** An agent as configured (the backend may still be `auto`). */
export type AgentSpecInput = z.output<typeof AgentSpecSchema>;
/** An agent with its backend decided. */
export type AgentSpec = Omit<AgentSpecInput, 'backend'> & { backend: Exclude<AgentSpecInput['backend'], 'auto'> };

/** True when the agent may call the tool: listed by name, or matched by a `prefix*` pattern. */
export function mayUseTool(agent: Pick<AgentSpec, 'tools'>, toolName: string): boolean {
  return agent.tools.some((pattern) => (pattern.endsWith('*') ? toolName.startsWith(pattern.slice(0, -1)) : pattern === toolName));
}
