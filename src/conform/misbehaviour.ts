/**
 * The breakages a misbehaving child can be given (misbehaving-transport.ts applies them): the kit's
 * instrumented child (for checking parents) and the broken workers (for proving that every check of the kit
 * can fail) are the reference worker plus breakages named here.
 *
 * `MULTIFROST_MISBEHAVE` is a comma-separated list of items `NAME[=VALUE][@SCOPE]`. A scope limits a
 * breakage to the CALLs (and their replies) of one function, `@add`, or of one function with exactly these
 * arguments (JSON), `@add([2,40])`: the conformance catalogue sends some message shapes in one scenario
 * only, so a scoped breakage fails that scenario and nothing else (harness/test/cli/broken-workers.test.ts).
 * Breakages that concern no CALL (heartbeats, output, framing) take no scope.
 *
 * For the parent role (what a parent must cope with):
 * - `delay=MS`             every reply leaves MS ms late (the parent's call timeout, MF-CALL-13)
 * - `drop-heartbeats`      heartbeat echoes are never sent (MF-HB-1, MF-HB-7)
 * - `crash-after=N`        the process exits with status 3 when the Nth CALL arrives (MF-LIFE-8)
 * - `wrong-id[=FN]`        replies (to calls of FN only, when given) carry an id no CALL had (MF-MSG-8, MF-CALL-12)
 * - `void-without-result`  a RESPONSE whose result is nil omits the `result` key (MF-CALL-6)
 * - `crash-on-int=N`       the process exits with status 70 when a CALL's args hold an integer >= N
 * - `decoy-*`              before each reply (to the scoped calls), messages a parent must drop, each with the
 *                          CALL's id and a result "decoy: <what>" (decoy-replies.ts): `decoy-framing` (MF-FRAME-4),
 *                          `decoy-undecodable` (MF-FRAME-5), `decoy-non-map` (MF-MSG-1), `decoy-integer-key`
 *                          (MF-MSG-1, a map with a key 1), `decoy-unknown-type`
 *                          (MF-MSG-5), `decoy-wrong-app` (MF-MSG-6), `decoy-wrong-core-type` (MF-MSG-9),
 *                          `decoy-oversize` (a RESPONSE over 16 MiB, MF-SEC-3)
 * - `reply-unknown-fields` replies carry fields no spec names (MF-MSG-4)
 * - `result-integer-key`   a RESPONSE's result is `[{1: "one"}]`, a map with an integer key, nested (MF-VAL-14)
 * - `result-extension`     a RESPONSE's result is `[1, {"v": ext type 5, data 010203}]` (MF-VAL-14)
 *
 * Child rules broken (one clause each; see fixtures/broken/README.md for the scopes the test uses):
 * - `answer-without-id`            a CALL with a missing, empty or nil id is served with an invented id (MF-CALL-2)
 * - `answer-with-empty-id`         a CALL with a missing, empty or nil id is answered with an ERROR with id "" (MF-CALL-2)
 * - `no-function-answered`         a CALL without `function` gets a RESPONSE instead of an ERROR (MF-CALL-3)
 * - `private-callable`             a CALL to a `_name` gets a RESPONSE instead of an ERROR (MF-CALL-4)
 * - `lifecycle-callable`           `start`, `stop` and `run` are callable (MF-CALL-5)
 * - `base-names-callable`          names of Object.prototype (`constructor`, `toString`...) are callable (MF-SEC-2)
 * - `list-private`                 listFunctions also lists `_secret` (MF-CALL-9)
 * - `serial-calls`                 a CALL waits until every earlier call was answered (MF-CALL-11)
 * - `args-ignored`                 the handler is called without the CALL's `args` (MF-CALL-1)
 * - `args-as-array`                the handler gets the `args` array as one argument, not spread (MF-CALL-14)
 * - `wrong-result`                 a RESPONSE carries a wrong result (MF-SVC-1)
 * - `duplicate-reply`              a CALL is answered twice (MF-CALL-10)
 * - `generic-error`                an ERROR says "internal error" instead of the exception message (MF-CALL-7)
 * - `no-traceback`                 an ERROR carries no `traceback` (MF-CALL-8)
 * - `reply-without-delimiter`      replies are sent as [routing id, payload], without the empty frame (MF-FRAME-2)
 * - `timestamp-ms`                 replies carry `timestamp` in epoch milliseconds (MF-MSG-2)
 * - `unknown-reply-type`           a RESPONSE has type "result" (MF-MSG-3)
 * - `misspelled-app`               replies carry "comlink-ipc-v3" (a wrong spelling of the app id) (MF-PROF-1)
 * - `other-profile-reply`          replies carry the other profile's app id (MF-PROF-3)
 * - `ignore-v4-calls`              CALLs in profile v4 are ignored (MF-PROF-4)
 * - `accept-bad-delimiter`         a message whose delimiter frame is not empty is served (MF-FRAME-4)
 * - `accept-trailing-bytes`        a payload with bytes after the first msgpack value is served (MF-FRAME-5)
 * - `answer-non-map`               a payload that is not a map is answered with an ERROR (MF-MSG-1)
 * - `unknown-field-error`          a CALL with a field the worker does not know gets an ERROR (MF-MSG-4)
 * - `answer-unknown-type`          a message of an unknown type gets an ERROR (MF-MSG-5)
 * - `accept-wrong-app`             a message with an unknown app id (a string, a number or none) is served as v3 (MF-MSG-6)
 * - `reject-camel-client-name`     a CALL carrying `clientName` gets an ERROR (MF-MSG-7)
 * - `serve-numeric-id`             a CALL whose id is a number is served, the id made a string (MF-MSG-9)
 * - `oversize-answered`            a payload over 16 MiB is decoded and answered with an ERROR (MF-MSG-10)
 * - `oversize-crash`               a payload over 16 MiB is decoded before its size is checked: the process dies (MF-SEC-3)
 * - `namespace-required`           a CALL without `namespace` is ignored (MF-NS-1)
 * - `any-namespace`                a CALL for another namespace is served (MF-NS-2)
 * - `explicit-namespace-ignored`   a CALL that names a namespace, even the worker's own, is ignored (MF-NS-3)
 * - `heartbeat-args-changed`       a v3 heartbeat echo does not return the request's `args` (MF-HB-2)
 * - `heartbeat-without-hb-response` a v4 heartbeat echo lacks `metadata.hb_response` (MF-HB-3)
 * - `heartbeats-behind-calls`      a heartbeat echo waits until no call is running (MF-HB-4)
 * - `first-heartbeat-dropped`      a HEARTBEAT that is the first message the process receives is ignored (MF-LIFE-11)
 * - `exit-on-shutdown[=N]`         SHUTDOWN ends the process with status N (default 2) instead of 0 (MF-LIFE-6)
 * - `unenveloped-output`           STDOUT/STDERR sent as a bare payload frame, without the ROUTER envelope (MF-FRAME-3)
 * - `duplicate-output`             every STDOUT/STDERR message is sent twice to the same parent (MF-FRAME-3)
 * - `stderr-as-stdout`             what the worker writes to stderr is sent as STDOUT (MF-OUT-1)
 * - `wide-integers`                an integer result of 128-255 is sent as uint16, not uint8 (MF-VAL-2)
 * - `lossy-int64`                  an integer result beyond 2^53 is sent as a float64 (MF-VAL-4)
 * - `bin-as-str`                   a binary result is sent as msgpack `str` (MF-VAL-5)
 * - `no-astral-strings`            characters beyond U+FFFF in a string result become U+FFFD (MF-VAL-9)
 * - `float32-results`              a non-integral float result is sent as float32 (MF-VAL-10)
 * - `non-finite-as-float`          a nil result to a CALL whose args hold NaN or an infinity is sent as NaN (MF-VAL-1)
 * - `bind-all-interfaces`          in connect mode the ROUTER binds 0.0.0.0 instead of 127.0.0.1 (MF-SEC-1)
 * - `curve-plaintext`              takes MULTIFROST_CURVE_SECRET_KEY without complaint, stays plaintext (MF-SEC-6)
 * - `nested-empty-str-as-nil`      an empty string inside an array or map of a result is sent as nil (MF-VAL-9);
 *                                  no fixed vector has one, the value fuzzer (`--fuzz-values`) finds it
 * - `rename-proto-key`             a map key `__proto__` in a result is sent as `__proto_`, msgpackr's old renaming (MF-VAL-11)
 * - `drop-unportable-calls`        a CALL holding a value outside the portable set gets no reply instead of an ERROR (MF-VAL-12, MF-VAL-13)
 */
import { InvalidArgumentError } from '../errors.js';

/** The decoys (decoy-replies.ts): messages a parent must drop, sent before the real reply. */
export const DECOY_BREAKAGES = [
  'decoy-framing',
  'decoy-undecodable',
  'decoy-non-map',
  'decoy-integer-key',
  'decoy-unknown-type',
  'decoy-wrong-app',
  'decoy-wrong-core-type',
  'decoy-oversize',
] as const;
export type DecoyBreakage = (typeof DECOY_BREAKAGES)[number];

/** Breakages selected by name and limited by a {@link CallScope}. */
export const SCOPED_BREAKAGES = [
  'answer-without-id',
  'answer-with-empty-id',
  'no-function-answered',
  'private-callable',
  'lifecycle-callable',
  'base-names-callable',
  'list-private',
  'serial-calls',
  'args-ignored',
  'args-as-array',
  'wrong-result',
  'duplicate-reply',
  'generic-error',
  'no-traceback',
  'reply-without-delimiter',
  'timestamp-ms',
  'unknown-reply-type',
  'misspelled-app',
  'other-profile-reply',
  'ignore-v4-calls',
  'accept-bad-delimiter',
  'accept-trailing-bytes',
  'answer-non-map',
  'unknown-field-error',
  'answer-unknown-type',
  'accept-wrong-app',
  'reject-camel-client-name',
  'serve-numeric-id',
  'oversize-answered',
  'oversize-crash',
  'namespace-required',
  'any-namespace',
  'explicit-namespace-ignored',
  'heartbeat-args-changed',
  'heartbeat-without-hb-response',
  'heartbeats-behind-calls',
  'first-heartbeat-dropped',
  'unenveloped-output',
  'duplicate-output',
  'stderr-as-stdout',
  'wide-integers',
  'lossy-int64',
  'bin-as-str',
  'no-astral-strings',
  'float32-results',
  'non-finite-as-float',
  'void-without-result',
  'wrong-id',
  'bind-all-interfaces',
  'curve-plaintext',
  'nested-empty-str-as-nil',
  'rename-proto-key',
  'drop-unportable-calls',
  ...DECOY_BREAKAGES,
  'reply-unknown-fields',
  'result-integer-key',
  'result-extension',
] as const;
export type ScopedBreakage = (typeof SCOPED_BREAKAGES)[number];

/** The CALLs a breakage applies to: every one (`{}`), those of one function, or of one function with these args. */
export interface CallScope {
  function?: string;
  args?: unknown[];
}

export interface Misbehaviour {
  delayMs?: number;
  dropHeartbeats?: boolean;
  crashAfterCalls?: number;
  /** Reply with a wrong id; a function name restricts it to replies to calls of that function. */
  wrongId?: true | string;
  unenvelopedOutput?: boolean;
  voidWithoutResult?: boolean;
  crashOnIntegerAtLeast?: number;
  privateCallable?: boolean;
  acceptWrongApp?: boolean;
  /** Exit status on SHUTDOWN (`exit-on-shutdown[=N]`), instead of 0. */
  shutdownExitCode?: number;
  /** Breakages by name, each with the calls it applies to. */
  scoped?: Partial<Record<ScopedBreakage, CallScope>>;
}

/** Item names kept as their own fields of {@link Misbehaviour} when they come without a scope. */
const FLAGS: Partial<
  Record<ScopedBreakage, 'unenvelopedOutput' | 'voidWithoutResult' | 'privateCallable' | 'acceptWrongApp'>
> = {
  'unenveloped-output': 'unenvelopedOutput',
  'void-without-result': 'voidWithoutResult',
  'private-callable': 'privateCallable',
  'accept-wrong-app': 'acceptWrongApp',
};

/** Splits on commas outside brackets (a scope's JSON arguments hold commas). */
function splitItems(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if ('[({'.includes(c)) depth++;
    else if ('])}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) {
      items.push(text.slice(start, i));
      start = i + 1;
    }
  }
  items.push(text.slice(start));
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

function parseScope(item: string, text: string): CallScope {
  const match = /^([^()]+)(?:\((.*)\))?$/s.exec(text);
  if (match === null)
    throw new InvalidArgumentError('MULTIFROST_MISBEHAVE', `${item}: a scope is FUNCTION or FUNCTION(JSON array)`);
  if (match[2] === undefined) return { function: match[1]! };
  let args: unknown;
  try {
    args = JSON.parse(`[${match[2]}]`);
  } catch {
    args = undefined;
  }
  if (!Array.isArray(args) || args.length !== 1 || !Array.isArray(args[0]))
    throw new InvalidArgumentError('MULTIFROST_MISBEHAVE', `${item}: the arguments of a scope are one JSON array`);
  return { function: match[1]!, args: args[0] as unknown[] };
}

/** Parses `MULTIFROST_MISBEHAVE`. @throws InvalidArgumentError naming an unknown or malformed item. */
export function parseMisbehaviour(text: string | undefined): Misbehaviour {
  const result: Misbehaviour = {};
  for (const item of splitItems(text ?? '')) {
    const at = item.indexOf('@');
    const head = at < 0 ? item : item.slice(0, at);
    const scope = at < 0 ? undefined : parseScope(item, item.slice(at + 1));
    const [name, value] = head.split('=', 2) as [string, string | undefined];
    const number = (): number => {
      const n = Number(value);
      if (value === undefined || !Number.isFinite(n))
        throw new InvalidArgumentError('MULTIFROST_MISBEHAVE', `${item}: needs a number`);
      return n;
    };
    switch (name) {
      case 'delay':
        result.delayMs = number();
        continue;
      case 'drop-heartbeats':
        result.dropHeartbeats = true;
        continue;
      case 'crash-after':
        result.crashAfterCalls = number();
        continue;
      case 'crash-on-int':
        result.crashOnIntegerAtLeast = number();
        continue;
      case 'exit-on-shutdown':
        result.shutdownExitCode = value === undefined ? 2 : number();
        continue;
      case 'wrong-id':
        if (scope === undefined) {
          result.wrongId = value === undefined || value === '' ? true : value;
          continue;
        }
        break;
      default:
        if (!(SCOPED_BREAKAGES as readonly string[]).includes(name))
          throw new InvalidArgumentError('MULTIFROST_MISBEHAVE', `unknown misbehaviour '${name}'`);
    }
    const flag = FLAGS[name as ScopedBreakage];
    if (flag !== undefined && scope === undefined) result[flag] = true;
    else result.scoped = { ...result.scoped, [name]: scope ?? {} };
  }
  return result;
}

/** What a reply needs to know about the CALL it answers. */
export interface CallInfo {
  function: string | undefined;
  args: unknown;
}

/** Whether a breakage given `scope` applies to `call` (undefined: a message that answers no CALL). */
export function inScope(scope: CallScope | undefined, call: CallInfo | undefined): boolean {
  if (scope === undefined) return false;
  if (scope.function === undefined) return true;
  if (call === undefined || call.function !== scope.function) return false;
  return scope.args === undefined || JSON.stringify(scope.args) === JSON.stringify(call.args);
}
