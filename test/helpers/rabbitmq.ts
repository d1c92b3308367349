import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import type { Test } from 'tap';
import { transportNames } from '../../broker/transport/names.js';

export const AMQP_URL = process.env.MESH_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A fresh name prefix, so a test's queues and exchanges never meet another test's. */
export function testPrefix(label: string): string {
  return `test-${label}-${randomBytes(4).toString('hex')}.`;
}

/** Deletes, at teardown, every queue and exchange a transport with this prefix may have declared. */
export function cleanupTopology(t: Test, prefix: string, adapters: string[], delaysMs: number[]): void {
  t.teardown(async () => {
    const names = transportNames(prefix);
    const conn = await amqp.connect(AMQP_URL);
    try {
      const ch = await conn.createChannel();
      const queues = [...adapters.map((a) => names.adapterQueue(a)), ...delaysMs.map((d) => names.retryQueue(d)), names.parkedQueue];
      for (const q of queues) await ch.deleteQueue(q).catch(() => undefined);
      for (const x of [names.routeExchange, names.eventsExchange, names.retryExchange, names.parkedExchange]) await ch.deleteExchange(x).catch(() => undefined);
      await ch.close().catch(() => undefined);
    } finally {
      await conn.close().catch(() => undefined);
    }
  });
}
