/**
 * The RabbitMQ side of the fanout bench: is the broker there, a queue prefix per run so runs never
 * share (or inherit) queues, deleting that prefix's topology afterwards, and RabbitMQ's own CPU
 * use, which would otherwise count as "other processes" and flag every run as contended.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import amqp from 'amqplib';
import { transportNames } from '../../broker/transport/names.js';
import { MS_PER_TICK } from './meshd-process.js';
import { nowMs } from './stats.js';

/** What a bench meshd may have declared under one prefix. */
export interface BenchTopology {
  url: string;
  prefix: string;
  adapters: string[];
  retryDelaysMs: number[];
}

const CONNECT_TIMEOUT_MS = 5_000;

/** Topologies created and not yet deleted, so an interrupted bench can still remove them. */
const pending = new Set<BenchTopology>();

/** A fresh prefix; the schema allows A-Z a-z 0-9 . _ - and at most 50 characters. */
export function benchQueuePrefix(): string {
  return `bench-${randomBytes(4).toString('hex')}.`;
}

/** The URL without its password, for log lines. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** Connects once and closes again; resolves with null when reachable, else the reason it is not. */
export async function probeRabbitMq(url: string): Promise<string | null> {
  try {
    const conn = await amqp.connect(url, { timeout: CONNECT_TIMEOUT_MS });
    await conn.close().catch(() => undefined);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message || err.name : String(err);
  }
}

/** Records a topology for deletion by deletePendingTopologies() should the bench be interrupted. */
export function trackTopology(topology: BenchTopology): void {
  pending.add(topology);
}

/**
 * Deletes every queue and exchange a meshd with this prefix may have declared. Call after meshd
 * has stopped: a live meshd would redeclare them on its next reconnect.
 */
export async function deleteTopology(topology: BenchTopology): Promise<void> {
  const names = transportNames(topology.prefix);
  const queues = [...topology.adapters.map((a) => names.adapterQueue(a)), ...topology.retryDelaysMs.map((d) => names.retryQueue(d)), names.parkedQueue];
  const exchanges = [names.routeExchange, names.eventsExchange, names.retryExchange, names.parkedExchange];
  const conn = await amqp.connect(topology.url, { timeout: CONNECT_TIMEOUT_MS });
  try {
    // A failed delete closes its channel; a channel per name keeps one failure from hiding the rest.
    for (const name of queues) await onChannel(conn, (ch) => ch.deleteQueue(name));
    for (const name of exchanges) await onChannel(conn, (ch) => ch.deleteExchange(name));
  } finally {
    await conn.close().catch(() => undefined);
  }
  pending.delete(topology);
}

/** Best-effort deletion of every topology not yet deleted; never rejects. */
export async function deletePendingTopologies(): Promise<void> {
  for (const topology of [...pending]) await deleteTopology(topology).catch(() => undefined);
}

async function onChannel(conn: amqp.ChannelModel, op: (ch: amqp.Channel) => Promise<unknown>): Promise<void> {
  const ch = await conn.createChannel();
  ch.on('error', () => undefined); // reported through op's rejection
  try {
    await op(ch);
  } catch {
    // Already gone (never declared, or removed by hand): nothing left to delete.
  } finally {
    await ch.close().catch(() => undefined);
  }
}

/** Does this Erlang VM run the RabbitMQ server (not a short-lived rabbitmqctl, which is also beam)? */
function isRabbitServer(pid: string): boolean {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes('-s rabbit boot');
}

/** CPU ms of the local RabbitMQ server's VM; 0 when RabbitMQ runs on another host. */
function beamCpuMs(): number {
  let total = 0;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return Number.NaN;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!comm.startsWith('beam') || !isRabbitServer(pid)) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
    } catch {
      // The process exited while the list was being read.
    }
  }
  return total;
}

/** Starts measuring the local RabbitMQ server's CPU; the returned function gives % of one core since then. */
export function startBeamCpuMeter(): () => number {
  const before = beamCpuMs();
  const started = nowMs();
  return () => ((beamCpuMs() - before) / (nowMs() - started)) * 100;
}
