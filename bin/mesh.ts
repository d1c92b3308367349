#!/usr/bin/env node
import { processIo, runCli } from '../mailbox/client/cli/main.js';
import { EXIT } from '../mailbox/client/cli/exit-codes.js';

// A reader that went away (`mesh inbox | head -1`) is not worth a stack trace; stop quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(EXIT.failure);
  throw err;
});

// exitCode rather than exit(), so buffered stdout (a downloaded payload) drains first.
process.exitCode = await runCli(process.argv.slice(2), processIo());
