/**
 * `mesh soak`: generated traffic against a running meshd for a set duration and rate,
 * checking that every accepted message arrives exactly once, intact. The pre-go-live check.
 */
import { optFlag, optString, type OptionValues } from './args.js';
import { JSON_OPTION, writeJson, writeOut, type CliCommand, type CommandContext } from './command.js';
import { openClient, resolveConnection } from './connection.js';
import { EXIT, ReportedFailure, type ExitCode } from './exit-codes.js';
import { buildPlan, DEFAULT_SIZES, DEFAULT_WORKFLOWS } from '../soak/plan.js';
import { formatReport } from '../soak/report.js';
import { runSoak } from '../soak/run.js';

/** Exit code of a run that found loss, duplication or corruption (distinct from EXIT's failure codes). */
export const SOAK_FAILED: ExitCode = EXIT.checkFailed;

async function runSoakCommand(ctx: CommandContext): Promise<void> {
  const { values, io } = ctx;
  const plan = buildPlan({
    senders: optString(values, 'senders'),
    receivers: optString(values, 'receivers'),
    duration: optString(values, 'duration'),
    rate: optString(values, 'rate'),
    workflows: optString(values, 'workflows'),
    sizes: optString(values, 'sizes'),
    chunkSize: optString(values, 'chunk-size'),
    compressRatio: optString(values, 'compress-ratio'),
    drain: optString(values, 'drain'),
    maxInFlight: optString(values, 'max-in-flight'),
    receiverConcurrency: optString(values, 'receiver-concurrency'),
    workflowFilter: optString(values, 'workflow-filter'),
    meshdPid: optString(values, 'meshd-pid'),
  });
  // Each mailbox connects with the shared URL, key and TLS settings but its own credentials;
  // resolving the first one up front turns a missing --url or --shared-key into a usage error.
  const settingsFor = (mailbox: string, password: string): ReturnType<typeof resolveConnection> => {
    const merged: OptionValues = { ...values, mailbox, password };
    return resolveConnection(merged, io.env);
  };
  settingsFor(plan.senders[0]!.mailboxId, plan.senders[0]!.password);
  const json = optFlag(values, 'json');
  const report = await runSoak(plan, {
    openClient: (mb) => openClient(settingsFor(mb.mailboxId, mb.password)),
    progress: optFlag(values, 'quiet') ? undefined : (line) => void writeOut(io.stderr, `${line}\n`),
  });
  if (json) await writeJson(io.stdout, report);
  else await writeOut(io.stdout, formatReport(report));
  if (!report.ok) throw new ReportedFailure(SOAK_FAILED, `soak failed: ${report.failures.join(', ')}`);
}

/** `mesh soak`. */
export const soakCommand: CliCommand = {
  name: 'soak',
  summary: 'generate traffic and check every message arrives exactly once, intact',
  usage: 'soak --senders MB:PW,... --receivers MB:PW,... [--duration 60s] [--rate 10] [options]',
  description:
    'Sends random payloads from the senders to the receivers at --rate msg/s for --duration, while\n' +
    'one loop per receiver lists, downloads, verifies (SHA-256 and mex- headers) and acknowledges\n' +
    'them. After the duration it keeps receiving for up to --drain until every accepted message has\n' +
    'arrived. Other traffic in the inboxes is left alone. Reports throughput, send, send->visible and\n' +
    'send->acknowledged latency (p50/p95/p99), errors by kind and, with --meshd-pid, meshd\'s peak RSS.\n' +
    'Exit status: 0 when every accepted message arrived exactly once and intact; 1 on any loss,\n' +
    'duplicate or corruption (or when nothing was accepted); 2 usage error; 3 bad credentials.\n' +
    '--url, --shared-key and TLS flags apply to every mailbox; --mailbox/--password are not used.\n',
  options: {
    senders: { type: 'string', value: 'MB:PW,...', help: 'sending mailboxes and passwords (required)' },
    receivers: { type: 'string', value: 'MB:PW,...', help: 'receiving mailboxes and passwords (required)' },
    duration: { type: 'string', value: 'TIME', help: 'how long to send, e.g. 90s, 10m (default 60s)' },
    rate: { type: 'string', value: 'N', help: 'messages per second across all senders (default 10)' },
    workflows: { type: 'string', value: 'W,...', help: `workflow IDs to mix (default ${DEFAULT_WORKFLOWS.join(',')})` },
    sizes: { type: 'string', value: 'SIZE:W,...', help: `payload size mix with weights (default ${DEFAULT_SIZES})` },
    'chunk-size': { type: 'string', value: 'SIZE', help: 'largest chunk, e.g. 1MB (default 75MiB)' },
    'compress-ratio': { type: 'string', value: 'F', help: 'fraction 0..1 of messages gzipped in transit (default 0)' },
    drain: { type: 'string', value: 'TIME', help: 'how long to wait for stragglers after sending (default 30s)' },
    'max-in-flight': { type: 'string', value: 'N', help: 'most sends at once (default 64)' },
    'receiver-concurrency': { type: 'string', value: 'N', help: 'downloads at once per receiver (default 4)' },
    'workflow-filter': { type: 'string', value: 'F', help: 'workflow_filter for the receivers\' inbox listings' },
    'meshd-pid': { type: 'string', value: 'PID', help: 'local meshd process: report its peak RSS (/proc/PID/status)' },
    quiet: { type: 'boolean', help: 'no progress lines on standard error' },
    ...JSON_OPTION,
  },
  positionals: { min: 0, max: 0 },
  run: runSoakCommand,
};
