/**
 * Every exchange, queue, routing key and header name the transport uses, built in one place so the
 * topology, the publisher, the consumers and the tests can never disagree. An optional prefix
 * isolates a test run (or a tenant) on a shared RabbitMQ without a vhost of its own.
 */

/** The names of one transport's topology, all under one prefix. */
export interface TransportNames {
  readonly prefix: string;
  /** Topic exchange the router publishes envelopes to, routing key = adapter name. */
  readonly routeExchange: string;
  /** Topic exchange for lifecycle events, routing key `<event>.<workflowId>`. */
  readonly eventsExchange: string;
  /**
   * Headers exchange in front of the delay queues. A headers exchange (not the default exchange)
   * lets a retry copy keep the adapter name as its routing key, which dead-lettering reuses when
   * the delay expires, so one delay queue serves every adapter.
   */
  readonly retryExchange: string;
  /** Fanout exchange and queue holding parked copies for operators. */
  readonly parkedExchange: string;
  readonly parkedQueue: string;
  adapterQueue(adapter: string): string;
  /** Routing key on `routeExchange` for an adapter's queue. */
  adapterRoutingKey(adapter: string): string;
  retryQueue(delayMs: number): string;
  /** Binding arguments selecting the delay queue for `delayMs` on the retry exchange. */
  retryBinding(delayMs: number): Record<string, string>;
  eventRoutingKey(event: string, workflowId: string): string;
}

/** Message header names; plain strings shared by publisher, consumer and tests. */
export const HEADERS = {
  workflowId: 'workflowId',
  traceId: 'traceId',
  attempt: 'attempt',
  adapter: 'x-adapter',
  failureReason: 'x-failure-reason',
  attempts: 'x-attempts',
  // Headers exchanges ignore binding arguments starting with "x-", so this one must not.
  retryDelay: 'retry-delay-ms',
} as const;

const ADAPTER_NAME = /^[A-Za-z0-9_-]+$/;

/** Builds the names for one prefix (empty in production, random per test run). */
export function transportNames(prefix = ''): TransportNames {
  return {
    prefix,
    routeExchange: `${prefix}mesh.route`,
    eventsExchange: `${prefix}mesh.events`,
    retryExchange: `${prefix}mesh.retry`,
    parkedExchange: `${prefix}mesh.parked`,
    parkedQueue: `${prefix}mesh.parked`,
    adapterQueue: (adapter) => `${prefix}mesh.adapter.${checkAdapterName(adapter)}`,
    adapterRoutingKey: (adapter) => checkAdapterName(adapter),
    retryQueue: (delayMs) => `${prefix}mesh.retry.${checkDelay(delayMs)}`,
    retryBinding: (delayMs) => ({ 'x-match': 'all', [HEADERS.retryDelay]: String(checkDelay(delayMs)) }),
    eventRoutingKey: (event, workflowId) => `${event}.${workflowId}`,
  };
}

/**
 * Adapter names become topic routing keys, so a dot or wildcard would silently widen a binding;
 * reject them rather than route an envelope to the wrong adapter.
 */
function checkAdapterName(adapter: string): string {
  if (!ADAPTER_NAME.test(adapter)) throw new TypeError(`invalid adapter name ${JSON.stringify(adapter)}`);
  return adapter;
}

function checkDelay(delayMs: number): number {
  if (!Number.isSafeInteger(delayMs) || delayMs < 0) throw new TypeError(`invalid retry delay ${delayMs}`);
  return delayMs;
}
