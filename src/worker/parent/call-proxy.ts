/**
 * The `worker.call` proxy: `worker.call.add(1, 2)` and `worker.call.withOptions({ timeoutMs: 500 }).add(1, 2)`.
 * Options are bound into a new proxy (never stored on the worker), so concurrent calls with different options
 * cannot see each other's settings, unlike the seed's shared `_pendingOptions`.
 */

/** Per-call options. @see MF-CALL-13, MF-NS-1, MF-MSG-7 */
export interface CallOptions {
  /** Timeout in milliseconds (> 0). Overrides the worker's default. */
  timeoutMs?: number;
  /** Alias of `timeoutMs`, as in the seed's `withOptions({ timeout })`. Milliseconds. */
  timeout?: number;
  /** Namespace the CALL targets. Default `default`. */
  namespace?: string;
  /** Sent as `client_name`. */
  clientName?: string;
}

/** Any function-valued interface can describe a worker's API. */
export type AnyApi = object;

/** The default API when none is declared: any name, any arguments, unknown result. */
// `any[]` (not `unknown[]`): parameter lists are contravariant, so only `any[]` matches every method signature.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type UntypedApi = Record<string, (...args: any[]) => unknown>;

/** The remote view of `Api`: every method returns a promise of its awaited result. */
export type RemoteApi<Api> = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as in UntypedApi
  readonly [K in keyof Api as Api[K] extends (...args: any[]) => unknown ? K : never]: Api[K] extends (
    ...args: infer A
  ) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

export type CallProxy<Api> = RemoteApi<Api> & {
  /** A proxy whose calls carry these options (chainable: later options win). */
  withOptions(options: CallOptions): CallProxy<Api>;
};

export type CallFunction = (
  functionName: string,
  args: unknown[],
  options: CallOptions | undefined,
) => Promise<unknown>;

/**
 * Names the proxy answers locally, so that coercing, printing or awaiting it makes no remote call: `then`
 * (not a promise), `toString`/`valueOf`/`toJSON` (String(), template literals, JSON), and every symbol
 * (`Symbol.toPrimitive`, `util.inspect.custom`, iterators). Remote methods of these names are reachable
 * through `worker.callFunction(name, args)`.
 */
const LOCAL: Readonly<Record<string, unknown>> = {
  then: undefined,
  toJSON: undefined,
  toString: () => '[multifrost CallProxy]',
  valueOf: undefined,
};

/** Builds the proxy over `invoke`. */
export function createCallProxy<Api>(invoke: CallFunction, options?: CallOptions): CallProxy<Api> {
  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(Object.create(null) as object, {
    get(_target, property) {
      if (typeof property !== 'string') return property === Symbol.toPrimitive ? LOCAL['toString'] : undefined;
      if (Object.prototype.hasOwnProperty.call(LOCAL, property)) return LOCAL[property];
      if (property === 'withOptions') {
        return (callOptions: CallOptions) => createCallProxy<Api>(invoke, { ...options, ...callOptions });
      }
      let method = methods.get(property);
      if (method === undefined) {
        method = (...args: unknown[]) => invoke(property, args, options);
        methods.set(property, method);
      }
      return method;
    },
  }) as CallProxy<Api>;
}
