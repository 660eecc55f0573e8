/**
 * Invalid UTF-8 inside msgpack `str` values, made explicit before msgpackr sees it.
 *
 * msgpackr decodes strings of up to 64 bytes with its own JavaScript UTF-8 decoder unless its optional
 * native extractor (`msgpackr-extract`) is loaded, and that decoder does not check continuation bytes: the
 * two bytes `c3 28` come out as "è" instead of U+FFFD followed by "(". TextDecoder, the native extractor and
 * msgpackr's path for longer strings all give U+FFFD. So that the codec decodes the same bytes to the same
 * string on every platform, a payload whose strings are not all valid UTF-8 is rewritten first: each
 * invalid `str` becomes the UTF-8 encoding of what TextDecoder makes of it (U+FFFD per bad sequence), under a
 * header of the smallest format. Only `str` values change; containers count elements, not bytes.
 */
import { isUtf8 } from 'node:buffer';
import { firstValueLength } from './msgpack-length.js';

const lenient = new TextDecoder('utf-8', { fatal: false });

/** One invalid `str`: where its header starts, where its body ends, and what replaces header and body. */
interface Repair {
  headerAt: number;
  bodyEnd: number;
  replacement: Buffer;
}

/**
 * The payload with every invalid UTF-8 `str` of its first value replaced as described above, or undefined
 * when all strings are valid or the bytes are not a well-formed msgpack value (the decoder reports that).
 */
export function repairInvalidUtf8(bytes: Buffer): Buffer | undefined {
  const repairs: Repair[] = [];
  const length = firstValueLength(bytes, 0, (headerAt, bodyAt, bodyEnd) => {
    const body = bytes.subarray(bodyAt, bodyEnd);
    if (!isUtf8(body)) repairs.push({ headerAt, bodyEnd, replacement: Buffer.from(lenient.decode(body), 'utf8') });
  });
  if (length === undefined || repairs.length === 0) return undefined;
  const parts: Buffer[] = [];
  let copied = 0;
  for (const repair of repairs) {
    parts.push(bytes.subarray(copied, repair.headerAt), strHeader(repair.replacement.length), repair.replacement);
    copied = repair.bodyEnd;
  }
  parts.push(bytes.subarray(copied));
  return Buffer.concat(parts);
}

/** The smallest `str` header for a body of `length` bytes (fixstr, str8, str16, str32). */
function strHeader(length: number): Buffer {
  if (length < 32) return Buffer.from([0xa0 | length]);
  if (length < 0x100) return Buffer.from([0xd9, length]);
  if (length < 0x10000) return Buffer.from([0xda, length >> 8, length & 0xff]);
  const header = Buffer.alloc(5);
  header[0] = 0xdb;
  header.writeUInt32BE(length, 1);
  return header;
}
