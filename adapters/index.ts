import type { Adapter, AdapterRegistry } from '../broker/adapters/adapter.js';
import { fanoutAdapter } from './fanout/fanout-adapter.js';

/** Every adapter this build ships, by name; routes name them in conf/routes.yaml. */
export function builtInAdapters(): AdapterRegistry {
  const all: Adapter[] = [fanoutAdapter];
  return new Map(all.map((a) => [a.name, a]));
}
