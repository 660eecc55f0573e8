/**
 * Connects the worker to the file service registry (`src/registry`), loaded on demand so that spawn-mode
 * workers never touch the registry.
 */
import { InvalidArgumentError } from '../../errors.js';
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
      if (curvePublicKey === undefined) return { port: entry.port };
      // A service that publishes a key wants CURVE clients (MF-SEC-7): a key that is not a string is refused,
      // never read as "no key", which would connect in plaintext (as the Python, Go and Rust peers refuse it).
      if (typeof curvePublicKey !== 'string')
        throw new InvalidArgumentError(
          CURVE_REGISTRY_FIELD,
          `service '${serviceId}' publishes a ${CURVE_REGISTRY_FIELD} that is not a string (${JSON.stringify(curvePublicKey)}): refusing to connect without CURVE`,
        );
      return { port: entry.port, curvePublicKey };
    },
  };
}
