import { describeConfig, loadConfig } from '../config.ts';
import { EXIT } from './exit-codes.ts';

/** `quimbot config check`: prints the resolved configuration (keys named, never shown), or every problem with its path. */
export function runConfigCheck(options: { config?: string; json?: boolean }): number {
  const config = loadConfig(options.config ? { file: options.config } : {});
  const described = describeConfig(config);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(described, null, 2)}\n`);
    return EXIT.ok;
  }
  const lines = [
    `config: ${config.file ?? '(no file: every value is a default)'}`,
    `board: ${config.board}   memory: ${config.memory}   state: ${config.state}`,
    `listen: ${config.listen.host}:${config.listen.port}   peers: ${config.peers.map((p) => `${p.name} ${p.url}`).join(', ') || 'none'}`,
    'agents:',
    ...(described.agents as Array<Record<string, unknown>>).map(
      (a) => `  ${String(a.name).padEnd(10)} ${String(a.role).padEnd(10)} ${String(a.backend).padEnd(10)} ${a.model ?? ''}${a.apiKey ? `  (key ${a.apiKey})` : ''}`,
    ),
    `scheduler: poll ${config.scheduler.pollMs} ms, lease ${config.scheduler.leaseMs} ms, ${config.scheduler.maxAttempts} attempts`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
