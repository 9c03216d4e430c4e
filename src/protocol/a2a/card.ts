import type { AgentCard } from '@a2a-js/sdk';
import type { AnyTool } from '../../tools/index.ts';
import { VERSION } from '../../version.ts';
import { A2A_WS_BINDING } from './ws-frames.ts';

/** The A2A path on the daemon's listener. */
export const A2A_PATH = '/a2a';

/**
 * This daemon's A2A agent card (v1.0): one skill for taking a card onto the board, and one per
 * registry tool, which a card runs with its slash command. It is served over JSON-RPC (HTTP) and
 * over the peers' WebSocket binding; the `url`s are filled in once listening.
 */
export function agentCard(name: string, tools: readonly AnyTool[]): AgentCard {
  return {
    name,
    description: `${name}: a Quimbot daemon. Send a task in words (a card title, optionally with a /command in backticks); it goes on the team's Kanban board and its agents run it.`,
    supportedInterfaces: [
      { url: '', protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
      { url: '', protocolBinding: A2A_WS_BINDING, tenant: '', protocolVersion: '1.0' },
    ],
    provider: undefined,
    version: VERSION,
    capabilities: { streaming: true, pushNotifications: false, extensions: [] },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [
      {
        id: 'card',
        name: 'Take a card',
        description: 'Adds the message as a Backlog card; the task completes when the card reaches Done (with its result) and fails when it is Blocked.',
        tags: ['kanban', 'delegation'],
        examples: ['Audit TOEFL `/data audit data/toefl.jsonl`'],
        inputModes: ['text/plain'],
        outputModes: ['text/plain'],
        securityRequirements: [],
      },
      ...tools.map((tool) => ({
        id: tool.name,
        name: tool.title,
        description: `${tool.description} As a card: \`/${tool.command.join(' ')} …\``,
        tags: [tool.command[0]!],
        examples: [],
        inputModes: ['text/plain'],
        outputModes: ['text/plain'],
        securityRequirements: [],
      })),
    ],
    signatures: [],
  };
}
