/**
 * Connects the worker to the file service registry (`src/registry`), loaded on demand so that spawn-mode
 * workers never touch the registry.
 */
import { ServiceRegistry } from '../../registry/index.js';
import { CURVE_REGISTRY_FIELD } from './curve-environment.js';
import type { ServiceDiscovery, ServiceRegistration } from './service-registration.js';

/** Registration in the file registry under `MULTIFROST_HOME` or `~/.multifrost`. */
export async function fileServiceRegistration(
  registry: ServiceRegistry = new ServiceRegistry(),
): Promise<ServiceRegistration> {
  return {
    register: async (serviceId, port, _pid, fields) => {
      await registry.register(serviceId, port, fields);
    },
    unregister: async (serviceId) => {
      await registry.unregister(serviceId);
    },
  };
}

/** Discovery in the file registry. */
export async function fileServiceDiscovery(
  registry: ServiceRegistry = new ServiceRegistry(),
): Promise<ServiceDiscovery> {
  return {
    discover: async (serviceId, timeoutMs) => {
      const entry = await registry.discover(serviceId, { timeoutMs });
      const curvePublicKey = entry.extra[CURVE_REGISTRY_FIELD];
      return typeof curvePublicKey === 'string' ? { port: entry.port, curvePublicKey } : { port: entry.port };
    },
  };
}
