import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { RoutingConfig } from '../config/config.js';
import { AmqpTransport } from './amqp/amqp-transport.js';
import { InProcessTransport } from './in-process-transport.js';
import type { Transport } from './transport.js';

/** The transport named by configuration: in-process for `embedded`, RabbitMQ for an amqp(s):// URL. */
export function createTransport(routing: RoutingConfig, logger: Logger): Transport {
  if (routing.transport === 'embedded') return new InProcessTransport({ logger, prefix: routing.queuePrefix });
  return new AmqpTransport({ url: routing.transport, prefix: routing.queuePrefix, logger, connectionName: `meshd@${hostname()}:${process.pid}` });
}
