/** Where the instrumented child script is (compiled `.js` beside this file, or the `.ts` source under tsx). */
import { fileURLToPath } from 'node:url';

export function instrumentedChildPath(): string {
  return fileURLToPath(import.meta.url).replace(/instrumented-child-path\.(js|ts)$/, 'instrumented-child.$1');
}
