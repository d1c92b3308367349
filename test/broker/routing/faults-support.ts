/**
 * Shared by the fault tests (faults-*.test.ts): traffic that records what was sent, the check that
 * every accepted message reached each expected inbox exactly once, and RabbitMQ operator commands.
 *
 * Traffic follows conf/routes.yaml's fanout demo: X26ABC1 sends to X26ABC2 on MESH_FANOUT_DEMO,
 * which the fanout adapter copies to X26ABC2 and to X26ABC3 (on MESH_FANOUT_DEMO_COPY); plain
 * TEST_WORKFLOW2 messages go straight to X26ABC2's inbox, committed with the 202.
 */

import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Test } from 'tap';
import { MeshApiError, MeshClient } from '../../../mailbox/client/index.js';
import { AMQP_URL, cleanupTopology, testPrefix } from '../../helpers/rabbitmq.js';
import { tempDir, writeMeshdConfig } from '../../helpers/meshd-process.js';

const run = promisify(execFile);

export const SENDER = 'X26ABC1';
export const RECIPIENT = 'X26ABC2';
export const COPY_RECIPIENT = 'X26ABC3';
export const FANOUT_WORKFLOW = 'MESH_FANOUT_DEMO';
export const COPY_WORKFLOW = 'MESH_FANOUT_DEMO_COPY';
export const DIRECT_WORKFLOW = 'TEST_WORKFLOW2';

/**
 * Short retry delays and a fast sweeper, so a test recovers within seconds. The default
 * republishAfterMs (10 minutes) stays: no test here relies on re-publishing a confirmed envelope.
 */
export const RETRY_DELAYS_MS = [200, 500];
export const FAULT_ROUTING = { sweepIntervalMs: 200, retryAttempts: 3, retryDelaysMs: RETRY_DELAYS_MS, prefetch: 16 };

export function client(url: string, mailboxId: string): MeshClient {
  return new MeshClient({ baseUrl: url, mailboxId, password: 'password', sharedKey: 'TestKey', timeoutMs: 30_000 });
}

export interface FaultEnv {
  dataDir: string;
  configFile: string;
  prefix: string;
  /** meshd flags for this test: its config, data dir, port 0, the transport and its queue prefix. */
  args(transport?: string, extra?: string[]): string[];
}

/**
 * A temp data dir, a config file and a queue prefix of this test's own; the queues are deleted at
 * teardown. Call it before starting children: teardowns run last-registered first, so the children
 * are killed before their queues and files are removed.
 */
export async function faultEnv(t: Test, label: string): Promise<FaultEnv> {
  const dataDir = await tempDir(t, `meshd-${label}-`);
  const prefix = testPrefix(label);
  cleanupTopology(t, prefix, ['fanout'], RETRY_DELAYS_MS);
  const configFile = await writeMeshdConfig(dataDir, FAULT_ROUTING);
  return {
    dataDir,
    configFile,
    prefix,
    args: (transport = AMQP_URL, extra = []) =>
      ['--config', configFile, '--data-dir', dataDir, '--port', '0', '--transport', transport, '--queue-prefix', prefix, ...extra],
  };
}

export type Kind = 'fanout' | 'direct';

/** One send attempt; a failed attempt is never retried as itself, only replaced by a new message. */
export interface Attempt {
  kind: Kind;
  hash: string;
  size: number;
  outcome: 'in-flight' | 'accepted' | 'network-error' | 'api-error';
  id?: string;
  error?: string;
}

/**
 * Sends messages from X26ABC1 with a few concurrent workers, each with its own random payload,
 * and records every attempt. A send that fails is replaced by a new message, so `send(n)` ends with
 * n more accepted (202) messages; only those must arrive.
 */
export class Traffic {
  readonly attempts: Attempt[] = [];
  private sender: MeshClient | null = null;
  private readonly onTarget = new Set<() => void>();
  private readonly waiters: Array<{ n: number; resolve: () => void }> = [];
  private seq = 0;
  private closed = false;

  constructor(
    private readonly opts: {
      concurrency: number;
      /** Pause between one worker's sends, so a fault lands while traffic is still flowing. */
      paceMs: number;
      /** Which kind the i-th message is (default: every fourth is direct). */
      kindOf?: (i: number) => Kind;
    },
  ) {}

  /** Points the senders at a (new) meshd; requests already under way finish against the old one. */
  target(url: string): void {
    this.sender?.close();
    this.sender = client(url, SENDER);
    for (const wake of [...this.onTarget]) wake();
  }

  /** Stops the senders (they end quietly, as the test is over) and closes the client. */
  close(): void {
    this.closed = true;
    this.sender?.close();
    this.sender = null;
  }

  accepted(kind?: Kind): Attempt[] {
    return this.attempts.filter((a) => a.outcome === 'accepted' && (!kind || a.kind === kind));
  }

  failed(outcome: 'network-error' | 'api-error'): Attempt[] {
    return this.attempts.filter((a) => a.outcome === outcome);
  }

  inFlight(): number {
    return this.attempts.filter((a) => a.outcome === 'in-flight').length;
  }

  /** Resolves once `n` messages in all have been accepted. */
  reached(n: number): Promise<void> {
    if (this.accepted().length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  /** Sends until `count` more messages have been accepted; rejects if that takes over `timeoutMs`. */
  async send(count: number, timeoutMs = 45_000): Promise<void> {
    let left = count;
    const deadline = Date.now() + timeoutMs;
    const worker = async (): Promise<void> => {
      while (left > 0 && !this.closed) {
        left--;
        while (!this.closed) {
          if (Date.now() > deadline) throw new Error(`traffic: ${count} sends not accepted within ${timeoutMs} ms`);
          if (await this.sendOne()) break;
          // meshd is down or restarting: wait for a new target, or try the same one again shortly.
          await this.newTargetOr(200);
        }
        await sleep(this.opts.paceMs);
      }
    };
    await Promise.all(Array.from({ length: this.opts.concurrency }, () => worker()));
  }

  private async newTargetOr(ms: number): Promise<void> {
    let wake: () => void = () => undefined;
    const changed = new Promise<void>((resolve) => (wake = resolve));
    this.onTarget.add(wake);
    try {
      await Promise.race([sleep(ms), changed]);
    } finally {
      this.onTarget.delete(wake);
    }
  }

  private async sendOne(): Promise<boolean> {
    const sender = this.sender;
    if (!sender) throw new Error('traffic: no target; call target(url) first');
    const i = this.seq++;
    const kind = this.opts.kindOf?.(i) ?? (i % 4 === 3 ? 'direct' : 'fanout');
    // Every tenth payload is above the inline-chunk limit (64 KiB), so the object store is crashed too.
    const size = i % 10 === 9 ? 100_000 + (i % 7) : 200 + ((i * 37) % 3000);
    const body = randomBytes(size);
    const attempt: Attempt = { kind, hash: sha256(body), size, outcome: 'in-flight' };
    this.attempts.push(attempt);
    try {
      attempt.id = await sender.sendMessage({
        to: RECIPIENT,
        workflowId: kind === 'fanout' ? FANOUT_WORKFLOW : DIRECT_WORKFLOW,
        body,
        localId: `fault-${i}`,
      });
      attempt.outcome = 'accepted';
      const total = this.accepted().length;
      for (const w of this.waiters.filter((w) => total >= w.n)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
      return true;
    } catch (err) {
      attempt.outcome = err instanceof MeshApiError ? 'api-error' : 'network-error';
      attempt.error = (err as Error).message;
      return false;
    }
  }
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Polls until `check` returns a truthy value or the bound runs out (routing is asynchronous). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Every message ID in a mailbox's inbox, through all pages. */
export async function inboxIds(url: string, mailbox: string): Promise<string[]> {
  const c = client(url, mailbox);
  try {
    const ids: string[] = [];
    for await (const id of c.iterateInbox()) ids.push(id);
    return ids;
  } finally {
    c.close();
  }
}

interface Received {
  inboxId: string;
  hash: string;
  linked: string | undefined;
  workflow: string | undefined;
  from: string | undefined;
}

async function downloadAll(url: string, mailbox: string): Promise<Received[]> {
  const ids = await inboxIds(url, mailbox);
  const c = client(url, mailbox);
  try {
    const out: Received[] = [];
    // A few downloads at once: hundreds of messages, but no need to hammer one meshd.
    for (let i = 0; i < ids.length; i += 8) {
      out.push(
        ...(await Promise.all(
          ids.slice(i, i + 8).map(async (id) => {
            const d = await c.downloadMessage(id);
            const parts: Buffer[] = [];
            for await (const chunk of d.body) parts.push(chunk as Buffer);
            return { inboxId: id, hash: sha256(Buffer.concat(parts)), linked: d.headers['mex-linkedmsgid'], workflow: d.headers['mex-workflowid'], from: d.headers['mex-from'] };
          }),
        )),
      );
    }
    return out;
  } finally {
    c.close();
  }
}

/**
 * Messages now in the adapter and retry queues of `prefix` (ready plus unacknowledged), those
 * delivered to a consumer and not yet acknowledged, and those parked.
 */
export async function queueDepths(prefix: string): Promise<{ working: number; unacked: number; parked: number }> {
  const { stdout } = await run('rabbitmqctl', ['list_queues', 'name', 'messages', 'messages_unacknowledged', '--formatter', 'json', '-q']);
  const queues = (JSON.parse(stdout) as Array<{ name: string; messages: number; messages_unacknowledged: number }>).filter((q) => q.name.startsWith(prefix));
  const working = queues.filter((q) => q.name.startsWith(`${prefix}mesh.adapter.`) || q.name.startsWith(`${prefix}mesh.retry.`));
  return {
    working: working.reduce((n, q) => n + q.messages, 0),
    unacked: working.reduce((n, q) => n + q.messages_unacknowledged, 0),
    parked: queues.filter((q) => q.name === `${prefix}mesh.parked`).reduce((n, q) => n + q.messages, 0),
  };
}

/**
 * Closes, as an operator would, the RabbitMQ connections of the meshd process with this pid
 * (meshd names its connection `meshd@<host>:<pid>`); returns how many were closed.
 */
export async function closeConnectionsOf(pid: number, reason: string): Promise<number> {
  // Plain output, not --formatter json: close_connection wants the pid as the table prints it.
  const { stdout } = await run('rabbitmqctl', ['list_connections', 'pid', 'client_properties', '-q', '--no-table-headers']);
  const ours = stdout.split('\n').flatMap((line) => {
    const [connPid, props = ''] = line.split('\t');
    const name = /\{"connection_name","([^"]*)"\}/.exec(props)?.[1];
    return connPid && name?.startsWith('meshd@') && name.endsWith(`:${pid}`) ? [{ pid: connPid }] : [];
  });
  for (const r of ours) await run('rabbitmqctl', ['close_connection', r.pid, reason, '-q']);
  return ours.length;
}

export interface Delivered {
  /** Accepted messages checked. */
  accepted: number;
  /** Failed sends that meshd had committed anyway (the 202 was lost with the connection). */
  committedUnacknowledged: number;
}

/**
 * Waits until every accepted message has its copies (or direct delivery) and RabbitMQ holds no
 * more work for this prefix, then downloads every inbox message and checks: each accepted message
 * is in each expected inbox exactly once, with its payload's hash, linked to its ID; nothing is in
 * an inbox twice; nothing arrived that was never sent; nothing was parked or reported.
 */
export async function verifyExactlyOnce(t: Test, url: string, traffic: Traffic, prefix: string, timeoutMs = 40_000): Promise<Delivered> {
  const fanout = traffic.accepted('fanout');
  const direct = traffic.accepted('direct');
  await eventually(async () => (await inboxIds(url, COPY_RECIPIENT)).length >= fanout.length, `${fanout.length} copies in ${COPY_RECIPIENT}`, timeoutMs);
  await eventually(async () => (await inboxIds(url, RECIPIENT)).length >= fanout.length + direct.length, `${fanout.length + direct.length} messages in ${RECIPIENT}`, timeoutMs);
  // Copies still queued or waiting out a retry could yet arrive as duplicates: look only once
  // RabbitMQ has nothing left for this prefix, twice in a row.
  let idle = 0;
  await eventually(async () => {
    idle = (await queueDepths(prefix)).working === 0 ? idle + 1 : 0;
    return idle >= 2;
  }, 'adapter and retry queues to drain', timeoutMs);

  const [inbox2, inbox3, senderInbox] = await Promise.all([downloadAll(url, RECIPIENT), downloadAll(url, COPY_RECIPIENT), inboxIds(url, SENDER)]);
  t.same(senderInbox, [], `no report came back to ${SENDER}`);
  t.equal((await queueDepths(prefix)).parked, 0, 'nothing was parked');

  const byHash = new Map(traffic.attempts.map((a) => [a.hash, a]));
  for (const [mailbox, received] of [[RECIPIENT, inbox2], [COPY_RECIPIENT, inbox3]] as const) {
    const seen = new Map<string, number>();
    for (const r of received) seen.set(r.hash, (seen.get(r.hash) ?? 0) + 1);
    t.same([...seen].filter(([, n]) => n > 1).map(([h]) => h), [], `no payload is in ${mailbox}'s inbox twice`);
    t.same(received.filter((r) => !byHash.has(r.hash)).map((r) => r.inboxId), [], `${mailbox} holds nothing that was never sent`);
    t.same(received.filter((r) => r.from !== SENDER).map((r) => r.inboxId), [], `everything in ${mailbox} is from ${SENDER}`);
  }

  const problems: string[] = [];
  const one = (list: Received[], pick: (r: Received) => boolean, a: Attempt, where: string, workflow: string): void => {
    const found = list.filter(pick);
    if (found.length !== 1) problems.push(`${a.id} (${a.kind}): ${found.length} in ${where}`);
    else if (found[0]!.hash !== a.hash) problems.push(`${a.id}: wrong payload in ${where}`);
    else if (found[0]!.workflow !== workflow) problems.push(`${a.id}: workflow ${found[0]!.workflow} in ${where}`);
  };
  for (const a of fanout) {
    one(inbox2, (r) => r.linked === a.id, a, RECIPIENT, FANOUT_WORKFLOW);
    one(inbox3, (r) => r.linked === a.id, a, COPY_RECIPIENT, COPY_WORKFLOW);
  }
  for (const a of direct) one(inbox2, (r) => r.inboxId === a.id, a, RECIPIENT, DIRECT_WORKFLOW);
  t.same(problems, [], `each of ${fanout.length} fanout and ${direct.length} direct accepted messages arrived exactly once where expected`);

  // A send that failed may still have been committed (meshd died after the commit, before the
  // 202 reached us). It is a real message then, and must be whole: both copies, not one.
  const lostAnswers = traffic.attempts.filter((a) => a.outcome !== 'accepted' && (inbox2.some((r) => r.hash === a.hash) || inbox3.some((r) => r.hash === a.hash)));
  const partial = lostAnswers.filter((a) => {
    if (a.kind === 'direct') return inbox3.some((r) => r.hash === a.hash);
    const c2 = inbox2.find((r) => r.hash === a.hash);
    const c3 = inbox3.find((r) => r.hash === a.hash);
    return !c2 || !c3 || c2.linked !== c3.linked || !c2.linked;
  });
  t.same(partial.map((a) => a.hash), [], 'a message committed without its 202 was still delivered whole');
  return { accepted: fanout.length + direct.length, committedUnacknowledged: lostAnswers.length };
}
