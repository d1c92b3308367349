import type { Logger } from 'pino';
import type { RoutingConfig } from '../config/config.js';
import { InProcessTransport } from './in-process-transport.js';
import type { Transport } from './transport.js';

/** The transport named by configuration: in-process for `embedded`, RabbitMQ for an amqp(s):// URL. */
export function createTransport(routing: RoutingConfig, logger: Logger): Transport {
  if (routing.transport === 'embedded') return new InProcessTransport({ logger, prefix: routing.queuePrefix });
  throw new Error('RabbitMQ transport not wired yet');
}
