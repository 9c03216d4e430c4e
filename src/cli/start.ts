import { loadConfig } from '../config.ts';
import { startDaemon } from '../daemon.ts';
import { createLogger } from '../log.ts';
import type { LogLevel } from '../log.ts';
import { EXIT } from './exit-codes.ts';

/** `quimbot start`: runs the daemon until SIGINT or SIGTERM, then stops it cleanly. */
export async function runStart(options: { config?: string; board?: string; host?: string; port?: number; logFormat?: 'json' | 'pretty'; logLevel: LogLevel }): Promise<number> {
  const log = createLogger({ level: options.logLevel, ...(options.logFormat ? { format: options.logFormat } : {}) });
  const loaded = loadConfig(options.config ? { file: options.config } : {});
  const listen = { ...loaded.listen, ...(options.host ? { host: options.host } : {}), ...(options.port !== undefined ? { port: options.port } : {}) };
  const config = { ...loaded, listen, ...(options.board ? { board: options.board } : {}) };
  const daemon = await startDaemon({ config, log });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  log.info('stopping', { signal });
  await daemon.stop();
  log.info('stopped');
  return EXIT.ok;
}
