/**
 * Child-side output forwarding: text written to stdout/stderr becomes STDOUT/STDERR messages sent with the
 * ROUTER envelope to every known parent (MF-FRAME-3, MF-OUT-1). Before any parent is known the text waits
 * in a small bounded buffer; when the buffer is full, or the socket is backed up or closed, the text goes to
 * the process's own stream instead, so nothing is lost and no queue grows without bound (MF-OUT-2, MF-OUT-3).
 */
import type { OutputStream } from '../shared/process-launcher.js';

export interface OutputForwarderOptions {
  /** Sends one output message to one parent; rejects when it could not be sent. */
  send: (routingId: Uint8Array, stream: OutputStream, text: string) => Promise<void>;
  /** Writes to the process's own stream. */
  writeRaw: (stream: OutputStream, text: string) => void;
  /** Bytes held while no parent is known. Default 64 KiB. */
  bufferLimitBytes?: number;
  /** Sends in flight beyond which output falls back to the local stream. Default 1,000. */
  maxInFlight?: number;
}

/**
 * Parents remembered for output, most recently heard from last. A ROUTER is not told when a parent goes away,
 * so a long-lived service that saw thousands of parents come and go would otherwise send every line to all of
 * them; the ones beyond this many, least recently heard from, are forgotten.
 */
export const MAX_KNOWN_PARENTS = 32;

export class OutputForwarder {
  private readonly parents: Uint8Array[] = [];
  private readonly held: Array<{ stream: OutputStream; text: string }> = [];
  private heldBytes = 0;
  private inFlight = 0;
  private closed = false;
  private readonly bufferLimitBytes: number;
  private readonly maxInFlight: number;

  constructor(private readonly options: OutputForwarderOptions) {
    this.bufferLimitBytes = options.bufferLimitBytes ?? 64 * 1024;
    this.maxInFlight = options.maxInFlight ?? 1000;
  }

  get knownParentCount(): number {
    return this.parents.length;
  }

  /** Records a parent's routing id (from any message it sent); flushes held output to the first one. */
  knowParent(routingId: Uint8Array): void {
    if (this.closed) return;
    // Called for every inbound message: a byte comparison against the (usually one) known id, no allocation.
    const parents = this.parents;
    for (let i = parents.length - 1; i >= 0; i--) {
      if (!sameBytes(parents[i]!, routingId)) continue;
      if (i !== parents.length - 1) parents.push(...parents.splice(i, 1)); // most recently heard from goes last
      return;
    }
    parents.push(Uint8Array.from(routingId));
    if (parents.length > MAX_KNOWN_PARENTS) parents.shift();
    if (this.parents.length === 1 && this.held.length > 0) {
      const held = this.held.splice(0);
      this.heldBytes = 0;
      for (const { stream, text } of held) this.write(stream, text);
    }
  }

  /** Forgets every parent and writes whatever is held to the local streams. */
  close(): void {
    this.closed = true;
    this.parents.length = 0;
    for (const { stream, text } of this.held.splice(0)) this.options.writeRaw(stream, text);
    this.heldBytes = 0;
  }

  /** Forwards `text`; always returns true (the text is handled: forwarded, held, or written locally). */
  write(stream: OutputStream, text: string): boolean {
    if (text === '') return true;
    if (this.closed) {
      this.options.writeRaw(stream, text);
      return true;
    }
    if (this.parents.length === 0) {
      if (this.heldBytes + text.length > this.bufferLimitBytes) this.options.writeRaw(stream, text);
      else {
        this.held.push({ stream, text });
        this.heldBytes += text.length;
      }
      return true;
    }
    if (this.inFlight >= this.maxInFlight) {
      this.options.writeRaw(stream, text);
      return true;
    }
    for (const routingId of this.parents) {
      this.inFlight++;
      this.options.send(routingId, stream, text).then(
        () => this.inFlight--,
        () => {
          this.inFlight--;
          this.options.writeRaw(stream, text);
        },
      );
    }
    return true;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
