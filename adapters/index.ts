import type { Adapter, AdapterRegistry } from '../broker/adapters/adapter.js';
import { fanoutAdapter } from './fanout/fanout-adapter.js';
import { groDeathsAdapter } from './gro-deaths/gro-deaths-adapter.js';
import type { DemographicIndex } from './pds/demographic-index.js';

/** What adapters may need from the composition root beyond their per-message context. */
export interface AdapterServices {
  demographics: DemographicIndex;
}

/**
 * Every adapter this build ships, by name; routes name them in conf/routes.yaml. Without services
 * (some tests), only the adapters that need none.
 */
export function builtInAdapters(services?: AdapterServices): AdapterRegistry {
  const all: Adapter[] = [fanoutAdapter];
  if (services) all.push(groDeathsAdapter({ demographics: services.demographics }));
  return new Map(all.map((a) => [a.name, a]));
}
