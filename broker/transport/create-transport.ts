import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { RoutingConfig } from '../config/config.js';
import { AmqpTransport } from './amqp/amqp-transport.js';
import { InProcessTransport } from './in-process-transport.js';
import type { Transport } from './transport.js';

/** The transport named by configuration: in-process for `embedded`, RabbitMQ for an amqp(s):// URL. */
export function createTransport(routing: RoutingConfig, logger: Logger): Transport {
  if (routing.transport === 'embedded') return new InProcessTransport({ logger, prefix: routing.queuePrefix });
  return new AmqpTransport({ url: withHeartbeat(routing.transport), prefix: routing.queuePrefix, logger, connectionName: `meshd@${hostname()}:${process.pid}` });
}

const DEFAULT_HEARTBEAT_S = 15;

/**
 * A silently dropped link (no TCP reset) is only noticed by missed heartbeats; RabbitMQ's 60 s
 * default means about two minutes of a dead connection. Ask for 15 s unless the URL says otherwise.
 */
export function withHeartbeat(url: string): string {
  const u = new URL(url);
  if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', String(DEFAULT_HEARTBEAT_S));
  return u.toString();
}
