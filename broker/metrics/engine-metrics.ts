import type { ObjectStore } from '../objects/object-store.js';
import type { MessageStore } from '../store/message-store.js';
import type { Transport } from '../transport/transport.js';
import { Metrics, type MetricsOptions } from './metrics.js';

/** What the scrape-time probes look at. */
export interface EngineMetricsDeps {
  store: MessageStore;
  objects: ObjectStore;
  transport: Transport;
  /** Adapters with a queue (the router's), for queue depths. */
  adapters: readonly string[];
}

/** A Metrics whose scrape-time gauges probe this engine's store, object store and transport. */
export function engineMetrics(deps: EngineMetricsDeps, options: Omit<MetricsOptions, 'probes'> = {}): Metrics {
  const { store, objects, transport, adapters } = deps;
  return new Metrics({
    ...options,
    probes: {
      // A transport without queue depths (none so far) simply reports no queue gauge.
      ...(transport.queueDepths ? { queueDepths: () => transport.queueDepths!(adapters) } : {}),
      // One COUNT(*) on the parked table: the parked gauge, and the metadata store's health probe.
      parkedCount: () => store.countParked(),
      objectStoreProbe: () => objects.ping(),
      transportConnected: () => transport.isConnected(),
    },
  });
}
