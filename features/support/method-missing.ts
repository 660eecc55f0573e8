/**
 * A conformance method the target does not have (spec section 13): the scenario cannot run, so it is
 * *skipped* with the worker's own "not found" reply quoted, never failed. Thrown from deep inside a step
 * (where the reply is read) and turned into cucumber's `'skipped'` by the definition wrapper below.
 */
import { setDefinitionFunctionWrapper } from '@cucumber/cucumber';

export class MethodMissing extends Error {
  constructor(
    readonly wireName: string,
    readonly targetName: string,
    readonly reply: string,
  ) {
    const spelled = wireName === targetName ? `"${wireName}"` : `"${targetName}" (the mapping of "${wireName}")`;
    super(`the worker does not have the conformance method ${spelled}: it answered ${JSON.stringify(reply)}`);
    this.name = 'MethodMissing';
  }
}

interface Skipper {
  skip(reason: string): 'skipped';
  /** The scenario's raw parent, which notes a "not found" answer to a conformance method call. */
  child?: { raw?: { missingMethod?: MethodMissing } };
}

// Every step and hook runs through this wrapper. It keeps the definition's arity, which cucumber reads to
// tell data-table and doc-string steps apart.
setDefinitionFunctionWrapper((definition: (...args: unknown[]) => unknown) => {
  const wrapped = async function (this: Skipper, ...args: unknown[]): Promise<unknown> {
    try {
      return await definition.apply(this, args);
    } catch (error) {
      if (typeof this?.skip !== 'function') throw error;
      if (error instanceof MethodMissing) return this.skip(error.message);
      // A step that failed after the target said a conformance method does not exist failed because of that.
      const missing = this.child?.raw?.missingMethod;
      if (missing !== undefined) return this.skip(missing.message);
      throw error;
    }
  };
  Object.defineProperty(wrapped, 'length', { value: definition.length });
  return wrapped;
});
