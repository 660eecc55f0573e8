/**
 * Parameter types of the catalogue's steps, so feature files can say `with [2, 40]` and `is 42` in plain JSON.
 * `nil` is the msgpack nil (JSON null).
 */
import { defineParameterType } from '@cucumber/cucumber';
import type { ProfileName } from '../../src/protocol/profile.js';

/** A JSON array of call arguments, e.g. `[2, 40]`. */
defineParameterType({
  name: 'args',
  regexp: /\[.*\]/,
  transformer: (text: string): unknown[] => JSON.parse(text) as unknown[],
});

/** A JSON value, or `nil`. */
defineParameterType({
  name: 'json',
  regexp: /nil|true|false|-?\d[\d.eE+-]*|"(?:[^"\\]|\\.)*"|\[.*\]|\{.*\}/,
  // `nil` may appear anywhere outside strings: `[1, nil, 3]`.
  transformer: (text: string): unknown =>
    JSON.parse(text.replace(/("(?:[^"\\]|\\.)*")|\bnil\b/g, (match, quoted?: string) => quoted ?? 'null')),
  useForSnippets: false,
});

/** A protocol profile name. */
defineParameterType({
  name: 'profile',
  regexp: /v3|v4/,
  transformer: (text: string): ProfileName => text as ProfileName,
});
