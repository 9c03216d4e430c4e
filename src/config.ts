import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AgentSpecSchema } from './agents/spec.ts';
import { costOf, DEFAULT_PROVIDERS, ProviderSettingsSchema } from './providers/index.ts';
import type { ProviderAccess } from './providers/index.ts';
import { appendUsage } from './store/index.ts';
import type { AgentSpec, AgentSpecInput } from './agents/spec.ts';

/** The team the seed report describes: a Claude-style lead, a Codex-style reviewer, a Cursor-style executor. */
const DEFAULT_TEAM = [
  { name: 'Claude', role: 'lead', backend: 'auto', model: 'claude-sonnet-4-5', apiKeyEnv: 'ANTHROPIC_API_KEY' },
  { name: 'Codex', role: 'quality', backend: 'auto', model: 'gpt-4.1-mini', apiKeyEnv: 'OPENAI_API_KEY' },
  { name: 'Cursor', role: 'execution', backend: 'pipeline', concurrency: 2 },
] as const;

const Clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time like 09:00');

/** `quimbot.config.json` / `.yaml`: every field has a default that runs offline with no keys. */
export const ConfigSchema = z
  .object({
    /** The name this daemon goes by on the board and to its peers. */
    name: z.string().min(1).default('Quimbot'),
    board: z.string().min(1).default('kanban/KANBAN.md'),
    memory: z.string().min(1).default('memory'),
    state: z.string().min(1).default('.quimbot/state.json'),
    agents: z.array(AgentSpecSchema).min(1).default(DEFAULT_TEAM.map((a) => AgentSpecSchema.parse(a))),
    scheduler: z
      .object({
        /** How often the board is looked at besides on every change. */
        pollMs: z.number().int().min(100).default(5000),
        leaseMs: z.number().int().min(1000).default(60_000),
        maxAttempts: z.number().int().min(1).default(3),
        backoffMs: z.number().int().min(0).default(2000),
        backoffMaxMs: z.number().int().min(0).default(300_000),
        /** Give the lead every Backlog card that has neither a command nor a mention. */
        triage: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    listen: z
      .object({
        host: z.string().default('127.0.0.1'),
        /** 0 picks a free port. */
        port: z.number().int().min(0).max(65535).default(8787),
        /** The environment variable with the bearer token clients must send when bound beyond loopback. */
        tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).default('QUIMBOT_TOKEN'),
      })
      .strict()
      .prefault({}),
    /**
     * Other daemons. `tokenEnv` names the variable with the token shared with that peer: sent to
     * it, and required from it. `concurrency`: how many cards may be delegated to it at once.
     */
    peers: z
      .array(z.object({ name: z.string().min(1), url: z.url(), tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).optional(), concurrency: z.number().int().min(1).max(64).default(16) }).strict())
      .default([]),
    standup: z
      .object({ morning: Clock.default('09:00'), evening: Clock.default('19:00'), timeZone: z.string().default('America/New_York') })
      .strict()
      .prefault({}),
    /** Model providers by name for generation, fine-tuning and evals; openai, anthropic and openrouter are known already. */
    providers: z.record(z.string().regex(/^[a-z][a-z0-9_-]*$/, 'a name like openrouter or local-vllm'), ProviderSettingsSchema).default({}),
    /** US$ per million tokens by model, for the cost ledger. */
    prices: z.record(z.string(), z.object({ input: z.number().min(0), output: z.number().min(0) }).strict()).default({}),
    /**
     * Fine-tuning models by name or alias, over the built-in table of OpenAI's published ones:
     * US$ per million training tokens (audit's cost estimate, the ledger), the per-example
     * context limit (audit, validate, clean), the tokenizer, whether examples may hold images
     * (validate). A model not in the table needs both numbers.
     */
    fineTune: z
      .record(
        z.string().min(1),
        z
          .object({
            pricePerMillion: z.number().min(0).optional(),
            contextLimit: z.number().int().positive().optional(),
            encoding: z.enum(['o200k_base', 'cl100k_base']).optional(),
            vision: z.boolean().optional(),
          })
          .strict(),
      )
      .default({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.agents.forEach((agent, i) => {
      if (seen.has(agent.name.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['agents', i, 'name'], message: `"${agent.name}" is used twice` });
      seen.add(agent.name.toLowerCase());
    });
    config.peers.forEach((peer, i) => {
      if (seen.has(peer.name.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['peers', i, 'name'], message: `"${peer.name}" is already an agent's name` });
      seen.add(peer.name.toLowerCase());
    });
  });

/** The configuration as written, with defaults filled in. */
export type ConfigInput = z.output<typeof ConfigSchema>;

/** The configuration the daemon runs with: paths absolute, every agent's backend decided. */
export interface Config extends Omit<ConfigInput, 'agents'> {
  workspace: string;
  /** The file it came from, or null when every value is a default. */
  file: string | null;
  agents: AgentSpec[];
}

/** A configuration that does not validate: every problem with its path, e.g. `agents.1.backend`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'INVALID_CONFIG';
  constructor(
    readonly file: string,
    readonly problems: Array<{ path: string; message: string }>,
  ) {
    super(`${file}: ${problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ')}`);
  }
}

const FILE_NAMES = ['quimbot.config.json', 'quimbot.config.yaml', 'quimbot.config.yml'];

/**
 * Loads the configuration of a workspace: the given file, else the first of
 * `quimbot.config.{json,yaml,yml}` there, else all defaults. `env` decides `auto` backends.
 */
export function loadConfig(options: { workspace?: string; file?: string; env?: NodeJS.ProcessEnv } = {}): Config {
  const workspace = resolve(options.workspace ?? '.');
  const env = options.env ?? process.env;
  const file = options.file ? resolve(workspace, options.file) : (FILE_NAMES.map((n) => join(workspace, n)).find(existsSync) ?? null);
  let raw: unknown = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new ConfigError(file, [{ path: '', message: 'cannot read the file' }]);
    }
    try {
      raw = file.endsWith('.json') ? JSON.parse(text) : (parseYaml(text) ?? {});
    } catch (error) {
      throw new ConfigError(file, [{ path: '', message: `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}` }]);
    }
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      file ?? '(defaults)',
      parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  return resolveConfig(parsed.data, { workspace, file, env });
}

/** A validated configuration made ready to run: backends decided, peers added as `a2a` agents. */
export function resolveConfig(input: ConfigInput, options: { workspace: string; file?: string | null; env?: NodeJS.ProcessEnv }): Config {
  const env = options.env ?? process.env;
  return { ...input, providers: { ...DEFAULT_PROVIDERS, ...input.providers }, workspace: options.workspace, file: options.file ?? null, agents: [...input.agents.map((agent) => decideBackend(agent, env)), ...input.peers.map(peerAgent)] };
}

/** A peer daemon takes part as an agent on the `a2a` backend: `@Petrarch` on a card sends it there. */
function peerAgent(peer: ConfigInput['peers'][number]): AgentSpec {
  return { ...AgentSpecSchema.parse({ name: peer.name, role: 'execution', backend: 'a2a', baseURL: peer.url, concurrency: peer.concurrency, ...(peer.tokenEnv ? { apiKeyEnv: peer.tokenEnv } : {}) }), backend: 'a2a' };
}

/** `auto` is the model backend the agent's key is for when that key is set, else the offline `pipeline`. */
function decideBackend(agent: AgentSpecInput, env: NodeJS.ProcessEnv): AgentSpec {
  if (agent.backend !== 'auto') return { ...agent, backend: agent.backend };
  const keyEnv = agent.apiKeyEnv;
  const hasKey = keyEnv !== undefined && (env[keyEnv] ?? '') !== '';
  const backend = hasKey ? (keyEnv.startsWith('ANTHROPIC') ? 'anthropic' : 'openai') : 'pipeline';
  return { ...agent, backend };
}

/** The tokens peers must present on `/a2a` (empty: no peer has one, and the endpoint is open as the listener is). */
export function peerTokens(config: Config, env: NodeJS.ProcessEnv = process.env): string[] {
  return config.peers.flatMap((peer) => (peer.tokenEnv && env[peer.tokenEnv] ? [env[peer.tokenEnv]!] : []));
}

/** The config as JSON for `config check`: key variables named, never their values. */
export function describeConfig(config: Config, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  return {
    ...config,
    agents: config.agents.map((agent) => ({
      ...agent,
      ...(agent.apiKeyEnv ? { apiKey: env[agent.apiKeyEnv] ? `set in ${agent.apiKeyEnv}` : `not set (${agent.apiKeyEnv})` } : {}),
    })),
  };
}

/**
 * Providers for tools run outside an agent's run (the CLI, MCP): their spend goes to the usage
 * journal beside the state, which the daemon folds into its ledger, under `who`.
 */
export function providerAccess(config: Config, who: string, env: NodeJS.ProcessEnv = process.env): ProviderAccess {
  const statePath = resolve(config.workspace, config.state);
  return {
    providers: config.providers,
    prices: config.prices,
    env,
    usage: (usage) =>
      appendUsage(statePath, {
        at: Date.now(),
        runId: who,
        agent: who,
        provider: usage.provider,
        model: usage.model,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        costUsd: usage.costUsd ?? costOf(config.prices, usage.model, usage.inputTokens, usage.outputTokens),
      }),
  };
}
