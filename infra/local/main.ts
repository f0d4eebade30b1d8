import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { readConfig } from '../../shared/platform/config';
import { declaration } from '../functions';
import { toTerminal } from './logs';
import { startLocal } from './runtime';

/** `npm start`: Junction on this machine, on its embedded emulators. */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * What stops a start is the machine's state or its settings (no Java, a taken port, a
 * malformed variable): one line says what to do, where a stack trace would bury it.
 */
function cannotStart(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const portNumber = { error: 'must be a port number, 0–65535' };
const config = (() => {
  try {
    return readConfig(
      'npm start',
      z.object({
        PORT: z.coerce.number(portNumber).int(portNumber).min(0, portNumber).max(65535, portNumber).default(3000),
        JUNCTION_DATA_DIR: z.string().default(resolve(root, '.local')),
        LOCAL_API_KEY: z.string().optional(),
      }),
    );
  } catch (error) {
    // readConfig's message already says "npm start cannot start: …".
    return cannotStart((error as Error).message);
  }
})();

const runtime = await startLocal({
  declaration,
  root,
  port: config.PORT,
  dataDir: config.JUNCTION_DATA_DIR,
  localApiKey: config.LOCAL_API_KEY,
  // The functions' log lines, shown as they come.
  log: toTerminal,
}).catch((error: unknown) => cannotStart(`npm start cannot start: ${(error as Error).message}`));

process.stdout.write(
  [
    `Junction is running at ${runtime.url}`,
    `  dev API key (tenant "local", all scopes): ${runtime.apiKey}`,
    `  docs:   ${runtime.url}/docs`,
    `  health: ${runtime.url}/v1/health`,
    `  data:   ${config.JUNCTION_DATA_DIR}`,
    'Ctrl-C stops everything.',
    '',
  ].join('\n'),
);

let stopping = false;
// SIGHUP: the terminal npm start ran in was closed.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping\n`);
    runtime.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`stopping failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  });
}
