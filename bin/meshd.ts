#!/usr/bin/env node
import { ConfigError } from '../broker/config/config-error.js';
import { loadMeshdConfig } from '../broker/config/load-config.js';
import { builtInAdapters } from '../adapters/index.js';
import { startMeshd } from '../mailbox/server/meshd.js';
import { runParkedCommand } from '../mailbox/server/parked-command.js';
import { runPdsCommand } from '../adapters/pds/cli/pds-command.js';
import { MESHD_HELP, parseMeshdArgs } from '../mailbox/server/options.js';

/** meshd: the MESH API v2 server. Exits 2 with one line on bad flags or configuration. */
async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'parked') {
    process.exitCode = await runParkedCommand(argv.slice(1), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
    return;
  }
  if (argv[0] === 'pds') {
    process.exitCode = await runPdsCommand(argv.slice(1), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
    return;
  }
  const { options, help } = parseMeshdArgs(argv);
  if (help) {
    process.stdout.write(MESHD_HELP);
    return;
  }
  const config = await loadMeshdConfig({ argv: options, env: process.env, cwd: process.cwd() });
  const meshd = await startMeshd(config, { adapters: builtInAdapters });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    meshd.logger.info({ signal }, 'shutting down');
    // Exit 1 when the shutdown deadline forced work off: nothing accepted is lost, but it was cut short.
    meshd.close().then(
      (outcome) => process.exit(outcome.forced ? 1 : 0),
      (err: unknown) => {
        meshd.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`meshd: ${err.message}\n`);
    process.exit(2);
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    process.stderr.write(`meshd: cannot listen: ${(err as Error).message}\n`);
    process.exit(2);
  }
  process.stderr.write(`meshd: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
