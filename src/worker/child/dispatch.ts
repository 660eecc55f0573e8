/**
 * Which names a parent may call on a ChildWorker: the public methods that the worker's own classes define,
 * from the concrete class up to (not including) the ChildWorker base. Nothing from `Object.prototype`, the
 * constructor or the base class's lifecycle is reachable, whatever string arrives on the wire.
 * @see MF-CALL-4, MF-CALL-5, MF-CALL-9, MF-SEC-2
 */

/** Names always callable although defined on the base class. */
const BASE_CALLABLE = new Set(['listFunctions']);

/** A method as found on a prototype: called with the wire's arguments, its result awaited. */
export type WorkerMethod = (...args: unknown[]) => unknown;

const cache = new WeakMap<object, ReadonlyMap<string, WorkerMethod>>();

/** The callable methods of `instance` (own classes only), cached per class. */
export function callableMethods(instance: object, base: object): ReadonlyMap<string, WorkerMethod> {
  const prototype = Object.getPrototypeOf(instance) as object;
  const cached = cache.get(prototype);
  if (cached !== undefined) return cached;
  const methods = new Map<string, WorkerMethod>();
  // A subclass that overrides a lifecycle method (start, stop, run, ...) must still not expose it.
  const baseNames = new Set(Object.getOwnPropertyNames(base));
  for (
    let proto: object | null = prototype;
    proto !== null && proto !== base && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || name.startsWith('_') || baseNames.has(name) || methods.has(name)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      // Accessors are not methods; calling a getter remotely would run code the author never exposed.
      if (descriptor === undefined || typeof descriptor.value !== 'function') continue;
      methods.set(name, descriptor.value as WorkerMethod);
    }
  }
  for (const name of BASE_CALLABLE) {
    const method = (base as Record<string, unknown>)[name];
    if (typeof method === 'function' && !methods.has(name)) methods.set(name, method as WorkerMethod);
  }
  cache.set(prototype, methods);
  return methods;
}

export type Resolution = { ok: true; method: WorkerMethod } | { ok: false; error: string };

/** Resolves a wire function name, in the order of the rulings (MF-CALL-3, -4, -5). */
export function resolveMethod(methods: ReadonlyMap<string, WorkerMethod>, name: unknown): Resolution {
  const method = typeof name === 'string' ? methods.get(name) : undefined;
  return method === undefined ? { ok: false, error: refusal(name) } : { ok: true, method };
}

/**
 * Why `name` is not callable, given that the table has no such method: no name (MF-CALL-3), a private
 * name (MF-CALL-4; names starting with `_` are never in the table), or an unknown one (MF-CALL-5).
 */
export function refusal(name: unknown): string {
  if (typeof name !== 'string' || name === '') return "Message missing 'function' field";
  if (name.startsWith('_')) return `Cannot call private method '${name}'`;
  return `Function '${name}' not found or not callable`;
}

const readsContext = new WeakMap<WorkerMethod, boolean>();

/**
 * Whether the method's source mentions `callContext` (cached per method): such a handler runs inside
 * AsyncLocalStorage, so that the context survives its awaits; the others do not pay for it.
 */
export function mentionsCallContext(method: WorkerMethod): boolean {
  let found = readsContext.get(method);
  if (found === undefined) {
    found = Function.prototype.toString.call(method).includes('callContext');
    readsContext.set(method, found);
  }
  return found;
}
