/**
 * Where a child's ROUTER socket goes. Spawn mode (`COMLINK_ZMQ_PORT` set): connect to the parent's port.
 * Connect mode (a service id): bind a loopback port and register it under the id, to be unregistered on stop.
 * @see MF-LIFE-1, MF-LIFE-2, MF-LIFE-7, MF-LIFE-12, MF-SEC-1
 */
import { ConnectionError, InvalidArgumentError } from '../../errors.js';
import type { Socket } from '../../transport/transport.js';
import { LOOPBACK_HOST, endpointPort, loopbackEndpoint } from '../../transport/transport.js';
import { secureService, secureSpawnedChild } from '../shared/curve-child.js';
import { ENV_PORT } from '../shared/environment.js';
import type { ServiceRegistration } from '../shared/service-registration.js';
import type { ChildHost } from './child-host.js';
import type { ChildLog } from './child-log.js';

/** The connect-mode settings of a child (a subset of ChildWorkerOptions). */
export interface ChildEndpointOptions {
  serviceId?: string;
  bindHost?: string;
  bindPort?: number;
  registration?: ServiceRegistration;
  /** Connect mode: CURVE, its public key in the registry entry (MF-SEC-7). Default: `MULTIFROST_CURVE=1`. */
  curve?: boolean;
}

/** A service registered in connect mode, to unregister from the same registry. */
export interface RegisteredService {
  serviceId: string;
  registration: ServiceRegistration;
}

/**
 * Connects or binds `socket` as the environment and options say; returns the registered service in connect
 * mode, undefined in spawn mode.
 * @throws InvalidArgumentError for a bad port or neither mode; what the registry throws.
 */
export async function openChildEndpoint(
  socket: Socket,
  host: ChildHost,
  options: ChildEndpointOptions,
  log: Pick<ChildLog, 'info' | 'enabled'>,
): Promise<RegisteredService | undefined> {
  const portText = host.env(ENV_PORT);
  if (portText !== undefined) {
    const port = Number(portText);
    if (!/^\d+$/.test(portText.trim()) || !Number.isInteger(port) || port < 1024 || port > 65535) {
      throw new InvalidArgumentError(ENV_PORT, `Invalid ${ENV_PORT} '${portText}': expected an integer in 1024-65535`);
    }
    secureSpawnedChild(socket, host);
    await socket.connect(loopbackEndpoint(port));
    return undefined;
  }
  const serviceId = options.serviceId;
  if (serviceId === undefined) {
    throw new InvalidArgumentError(
      'serviceId',
      `Need the ${ENV_PORT} environment variable (spawn mode) or a serviceId (connect mode)`,
    );
  }
  const registration = options.registration ?? (await defaultRegistration());
  const fields = secureService(socket, host, options.curve);
  const endpoint = await socket.bind(loopbackEndpoint(options.bindPort ?? 0, options.bindHost ?? LOOPBACK_HOST));
  const port = endpointPort(endpoint);
  if (port === undefined) throw new ConnectionError(`bound endpoint has no port: ${endpoint}`);
  await registration.register(serviceId, port, host.pid, fields);
  if (log.enabled('info')) log.info('service ready', { serviceId, endpoint });
  return { serviceId, registration };
}

/** Removes the service from its registry; a failure is logged, never thrown (the worker is stopping anyway). */
export async function unregisterService(
  service: RegisteredService,
  log: Pick<ChildLog, 'warn' | 'enabled'>,
): Promise<void> {
  try {
    await service.registration.unregister(service.serviceId);
  } catch (error) {
    if (log.enabled('warn'))
      log.warn('could not unregister service', { serviceId: service.serviceId, error: String(error) });
  }
}

/** The file registry under MULTIFROST_HOME or ~/.multifrost, loaded only in connect mode. */
async function defaultRegistration(): Promise<ServiceRegistration> {
  const { fileServiceRegistration } = await import('../shared/registry-adapter.js');
  return fileServiceRegistration();
}
