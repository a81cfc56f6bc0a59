import { startServer } from './app';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { StartupError } from './startupError';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, pretty: config.logPretty });
  // The last resort: every request and listener has its own error boundary, so reaching these is a
  // bug to fix. Log it loudly and keep serving the live sessions rather than dropping every viewer.
  // (Tests start the server without main.ts, so nothing here hides a bug from them.)
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  process.on('uncaughtException', (error) => logger.fatal({ err: error }, 'uncaught exception; still serving'));

  const server = await startServer(config, logger);
  // A host credential in the log is a credential for whoever reads the log: only for demo data.
  if (config.demoData) {
    // Recorded like any host link: the bureau console lists it and can withdraw it.
    const link = await server.invites.hostLink('demo', { id: 'demo-host', name: 'demo data' }).catch((error: unknown) => {
      logger.warn({ err: error }, 'no demo host link: the demo session is not in the store');
      return undefined;
    });
    if (link) logger.info({ host: `${server.url}${link.path}`, watch: `${server.url}/watch/demo` }, 'demo stage links');
  }

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  // One the operator can fix is one line; anything else is a bug and keeps its stack.
  if (error instanceof StartupError) console.error(`Chunfeng Live failed to start: ${error.message}`);
  else console.error('Chunfeng Live failed to start:', error);
  process.exit(1);
});
