/**
 * Loads msgpackr with its native string extractor (`msgpackr-extract`) deferred to the first string that
 * needs it.
 *
 * msgpackr's CommonJS build requires the extractor as it loads: about 6 ms of a worker's start-up (the
 * prebuilt-binary lookup and the dlopen), for an accelerator that msgpackr only calls for strings of 32
 * bytes or more, non-ASCII strings, and strings in payloads of 140 bytes or more. The TypeScript parent's
 * start-up messages are none of these (short ASCII ids; a parent with UUID ids loads it at its first
 * message, as before). So before msgpackr loads, the extractor's entry in `require.cache` (which Node
 * documents as writable) holds a stand-in whose `extractStrings` loads the real one on its first call; the
 * entry is removed again as soon as msgpackr has taken the function, so anything else that requires the
 * extractor gets the real module.
 *
 * Should the real module fail to load then (a platform without a prebuilt binary), the stand-in decodes
 * the one string it was asked for with TextDecoder, which is what msgpackr's contract allows (a string, or
 * an array of strings read ahead) and gives U+FFFD for invalid UTF-8, as the native extractor does.
 */
import { createRequire, Module } from 'node:module';
import type * as Msgpackr from 'msgpackr';

const require = createRequire(import.meta.url);

/** The extractor's signature: `start` is the offset of a str header in `buffer`, `end` where the payload ends. */
export type ExtractStrings = (start: number, end: number, buffer: ArrayBufferLike) => string | string[];

/** msgpackr, loaded through require() (its one-file CommonJS build loads faster than its ES modules). */
export function loadMsgpackr(): typeof Msgpackr {
  const extractorPath = deferExtractor();
  try {
    return require('msgpackr') as typeof Msgpackr;
  } finally {
    if (extractorPath !== undefined) delete require.cache[extractorPath];
  }
}

/** Installs the stand-in and returns its cache key, or undefined when msgpackr will load without one. */
function deferExtractor(): string | undefined {
  // msgpackr's own switch: then it loads no extractor, and neither do we.
  if (process.env['MSGPACKR_NATIVE_ACCELERATION_DISABLED']?.toLowerCase() === 'true') return undefined;
  let path: string;
  try {
    path = createRequire(require.resolve('msgpackr')).resolve('msgpackr-extract');
  } catch {
    return undefined; // not installed (an optional dependency): msgpackr decodes in JS, see utf8-repair.ts
  }
  if (require.cache[path] !== undefined) return undefined; // already loaded: msgpackr takes the real one
  let extract: ExtractStrings | undefined;
  const standIn = new Module(path);
  standIn.filename = path;
  standIn.loaded = true;
  standIn.exports = {
    extractStrings: (start: number, end: number, buffer: ArrayBufferLike) =>
      (extract ??= loadExtractor(path))(start, end, buffer),
  };
  require.cache[path] = standIn;
  return path;
}

function loadExtractor(path: string): ExtractStrings {
  try {
    return (require(path) as { extractStrings: ExtractStrings }).extractStrings;
  } catch {
    return extractOneString;
  }
}

const lenient = new TextDecoder('utf-8', { fatal: false });

/**
 * The string whose msgpack `str` header starts at `start`, decoded with TextDecoder (U+FFFD for invalid
 * UTF-8). Throws msgpackr's own "Unexpected end of buffer" when the string runs past `end`.
 */
export function extractOneString(start: number, end: number, buffer: ArrayBufferLike): string {
  const bytes = new Uint8Array(buffer, start, Math.max(0, Math.min(end, buffer.byteLength) - start));
  const header = strHeader(bytes);
  if (header === undefined || header.length + header.bodyLength > bytes.length)
    throw new Error('Unexpected end of buffer');
  return lenient.decode(bytes.subarray(header.length, header.length + header.bodyLength));
}

/** The length of the str header at the start of `bytes` and of the body it announces; undefined if cut short. */
function strHeader(bytes: Uint8Array): { length: number; bodyLength: number } | undefined {
  const token = bytes[0];
  if (token === undefined) return undefined;
  if (token >= 0xa0 && token <= 0xbf) return { length: 1, bodyLength: token & 0x1f };
  const width = token === 0xd9 ? 1 : token === 0xda ? 2 : token === 0xdb ? 4 : 0;
  if (width === 0) throw new Error(`msgpackr asked for a string where the byte is 0x${token.toString(16)}`);
  if (bytes.length < 1 + width) return undefined;
  let bodyLength = 0;
  for (let i = 1; i <= width; i++) bodyLength = bodyLength * 256 + bytes[i]!;
  return { length: 1 + width, bodyLength };
}
