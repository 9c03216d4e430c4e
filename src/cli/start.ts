import { loadConfig } from '../config.ts';
import { startDaemon } from '../daemon.ts';
import { createLogger } from '../log.ts';
import type { LogLevel } from '../log.ts';
import { EXIT } from './exit-codes.ts';

/** `quimbot start`: runs the daemon until SIGINT or SIGTERM, then stops it cleanly. */
export async function runStart(options: { config?: string; board?: string; logFormat?: 'json' | 'pretty'; logLevel: LogLevel }): Promise<number> {
  const log = createLogger({ level: options.logLevel, ...(options.logFormat ? { format: options.logFormat } : {}) });
  const loaded = loadConfig(options.config ? { file: options.config } : {});
  const config = options.board ? { ...loaded, board: options.board } : loaded;
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
