/**
 * What a connect-mode worker needs from the service registry. The file registry (`src/registry`) provides it;
 * tests and the simulator can pass their own.
 * @see MF-LIFE-12, MF-REG-8, MF-REG-9, MF-REG-10
 */
export interface ServiceRegistration {
  /**
   * Registers `serviceId` at `port` for process `pid`; rejects when a live process holds the id. `fields` are
   * extra keys of the entry (the CURVE public key, MF-SEC-7).
   */
  register(serviceId: string, port: number, pid: number, fields?: Readonly<Record<string, string>>): Promise<void>;
  /** Removes the entry if it is ours. */
  unregister(serviceId: string): Promise<void>;
}

export interface ServiceDiscovery {
  /** Resolves the port of a live service (and its CURVE public key when it has one), polling until `timeoutMs`. */
  discover(serviceId: string, timeoutMs: number): Promise<{ port: number; host?: string; curvePublicKey?: string }>;
}
