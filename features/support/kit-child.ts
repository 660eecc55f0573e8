/**
 * The kit playing the CHILD, to check a parent: a scripted ROUTER that answers (or misbehaves) as a step
 * says, and a {@link ProcessLauncher} that "starts" it in this process, recording the launch (command,
 * environment) and every signal, so @parent scenarios can check the spawn contract and the stop sequence
 * without a real process. Works on the simulator and on real ZeroMQ alike.
 * @see MF-LIFE-1, MF-LIFE-4, MF-CALL-12, MF-CALL-13, MF-HB-2, MF-HB-3
 */
import { defaultCodec } from '../../src/protocol/codec.js';
import { childFrames, parseChildInbound } from '../../src/protocol/framing.js';
import type { Message } from '../../src/protocol/message.js';
import { createError, createHeartbeatEcho, createResponse } from '../../src/protocol/messages.js';
import { PROFILES, profileForApp, type Profile } from '../../src/protocol/profile.js';
import type { Clock } from '../../src/time/clock.js';
import type { Frames, Socket, Transport } from '../../src/transport/transport.js';
import { loopbackEndpoint } from '../../src/transport/transport.js';
import type {
  ExitInfo,
  LaunchedProcess,
  LaunchSpec,
  OutputStream,
  ProcessLauncher,
} from '../../src/worker/shared/process-launcher.js';
import type { WireTrace } from './wire-trace.js';

/** How the scripted child behaves; steps change it before or during a scenario. */
export interface KitChildBehaviour {
  /** `normal`; `never` (no reply); `unknown-id-first` (a RESPONSE with a wrong id, then the right one); `without-result` (RESPONSE lacking `result`). */
  calls: 'normal' | 'never' | 'unknown-id-first' | 'without-result';
  /** Delay before every reply or echo, ms of the run's clock. */
  replyDelayMs: number;
  /** Echo heartbeats (the parent's start-up probe included). */
  echoHeartbeats: boolean;
  /** Exit 0 on SHUTDOWN. */
  obeyShutdown: boolean;
  /** Exit 0 on SIGTERM. */
  obeySigterm: boolean;
}

export const DEFAULT_KIT_CHILD: KitChildBehaviour = {
  calls: 'normal',
  replyDelayMs: 0,
  echoHeartbeats: true,
  obeyShutdown: true,
  obeySigterm: true,
};

/** A message the kit child received from the parent under test. */
export interface ParentMessage {
  frames: number;
  delimiterEmpty: boolean;
  message: Message | undefined;
  profile: Profile | undefined;
  atMs: number;
  raw: Record<string, unknown> | undefined;
}

class KitChildProcess implements LaunchedProcess {
  readonly exit: Promise<ExitInfo>;
  exited: ExitInfo | undefined;
  private resolveExit!: (info: ExitInfo) => void;
  private socket: Socket | undefined;

  constructor(
    readonly pid: number,
    private readonly kit: KitChildLauncher,
  ) {
    this.exit = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
  }

  stderrTail(): string {
    return '';
  }

  async connect(port: number): Promise<void> {
    const socket = this.kit.transport.router();
    this.socket = socket;
    await socket.connect(loopbackEndpoint(port));
    void this.serve(socket);
  }

  kill(signal: 'SIGTERM' | 'SIGKILL'): void {
    if (this.exited !== undefined) return;
    this.kit.signals.push({ signal, atMs: this.kit.clock.nowMs() });
    this.kit.trace.note(`kit child received ${signal}`);
    if (signal === 'SIGKILL' || this.kit.behaviour.obeySigterm)
      this.end(signal === 'SIGKILL' ? { code: null, signal } : { code: 0, signal: null });
  }

  /** Ends the "process": its socket closes, the exit is reported on the next tick (as a real exit event). */
  end(info: ExitInfo): void {
    if (this.exited !== undefined) return;
    this.exited = info;
    this.kit.trace.note(`kit child exited (code ${info.code ?? 'none'}, signal ${info.signal ?? 'none'})`);
    void this.socket?.close();
    this.kit.clock.setTimer(0, () => this.resolveExit(info));
  }

  private async serve(socket: Socket): Promise<void> {
    try {
      for await (const frames of socket) this.handle(socket, frames);
    } catch {
      // closed
    }
  }

  private handle(socket: Socket, frames: Frames): void {
    this.kit.trace.record('parent->kit', frames);
    const inbound = parseChildInbound(frames);
    const entry: ParentMessage = {
      frames: frames.length,
      delimiterEmpty: frames[1]?.byteLength === 0,
      message: undefined,
      profile: undefined,
      atMs: this.kit.clock.nowMs(),
      raw: undefined,
    };
    this.kit.received.push(entry);
    if (!inbound.ok) return;
    let value: unknown;
    try {
      value = defaultCodec.decodeValue(inbound.payload);
    } catch {
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    entry.raw = value as Record<string, unknown>;
    const profile = profileForApp(entry.raw['app']);
    entry.profile = profile;
    entry.message = value as Message;
    this.kit.notify();
    if (profile === undefined) return;
    this.respond(socket, inbound.routingId, entry.message, profile);
  }

  private respond(socket: Socket, routingId: Uint8Array, message: Message, profile: Profile): void {
    const behaviour = this.kit.behaviour;
    const now = (): number => this.kit.clock.epochMs() / 1000;
    const send = (reply: Record<string, unknown>): void => {
      const frames = childFrames(routingId, defaultCodec.encode(reply));
      this.kit.trace.record('kit->parent', frames);
      this.kit.sent.push(reply);
      this.kit.notify();
      void socket.send(frames).catch(() => undefined);
    };
    const later = (action: () => void): void => {
      if (behaviour.replyDelayMs > 0) this.kit.clock.setTimer(behaviour.replyDelayMs, action);
      else action();
    };
    if (message.type === 'heartbeat') {
      if (behaviour.echoHeartbeats) later(() => send(createHeartbeatEcho(profile, message, now())));
      return;
    }
    if (message.type === 'shutdown') {
      if (behaviour.obeyShutdown) this.end({ code: 0, signal: null });
      return;
    }
    if (message.type !== 'call' || behaviour.calls === 'never') return;
    const fn = message.function;
    const args = Array.isArray(message.args) ? message.args : [];
    const result = fn === 'add' ? Number(args[0]) + Number(args[1]) : fn === 'nothing' ? undefined : args[0];
    later(() => {
      if (fn === 'fail') return send(createError(profile, message.id, now(), String(args[0])));
      if (behaviour.calls === 'unknown-id-first')
        send(createResponse(profile, `${message.id}-unknown`, now(), 'from an unknown id'));
      const response: Record<string, unknown> = createResponse(profile, message.id, now(), result);
      if (behaviour.calls === 'without-result') delete response['result'];
      send(response);
    });
  }
}

/** Launches kit children; one per launch (a restart launches a new one). */
export class KitChildLauncher implements ProcessLauncher {
  behaviour: KitChildBehaviour = { ...DEFAULT_KIT_CHILD };
  readonly launches: LaunchSpec[] = [];
  readonly children: KitChildProcess[] = [];
  readonly received: ParentMessage[] = [];
  readonly signals: Array<{ signal: string; atMs: number }> = [];
  /** Every message the kit child sent to the parent. */
  readonly sent: Array<Record<string, unknown>> = [];
  private readonly waiters = new Set<() => void>();
  private nextPid = 70_000;

  constructor(
    readonly transport: Transport,
    readonly clock: Clock,
    readonly trace: WireTrace,
  ) {}

  launch(spec: LaunchSpec, _onRawOutput: (stream: OutputStream, line: string) => void): LaunchedProcess {
    this.launches.push(spec);
    const child = new KitChildProcess(this.nextPid++, this);
    this.children.push(child);
    const port = Number(spec.env['COMLINK_ZMQ_PORT']);
    this.trace.note(
      `parent launched ${[spec.command, ...spec.args].join(' ')} with COMLINK_ZMQ_PORT=${spec.env['COMLINK_ZMQ_PORT'] ?? '<unset>'}`,
    );
    if (Number.isInteger(port)) void child.connect(port);
    else child.end({ code: 1, signal: null });
    return child;
  }

  /** The current (last launched) child. */
  get current(): KitChildProcess | undefined {
    return this.children[this.children.length - 1];
  }

  /** Called whenever a message arrives; wakes waiters. */
  notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves once `condition` holds (checked after every message in or out; the caller bounds the wait). */
  waitUntil(condition: () => boolean): Promise<true> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (!condition()) return;
        this.waiters.delete(check);
        resolve(true);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves once `match` holds for a received message (the caller bounds the wait). */
  waitFor(match: (message: ParentMessage) => boolean): Promise<ParentMessage> {
    return new Promise((resolve) => {
      const check = (): void => {
        const hit = this.received.find(match);
        if (hit === undefined) return;
        this.waiters.delete(check);
        resolve(hit);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Messages of `type` received so far. */
  ofType(type: string): ParentMessage[] {
    return this.received.filter((m) => m.raw?.['type'] === type);
  }

  /** Ends every live kit child. */
  closeAll(): void {
    for (const child of this.children) child.end({ code: null, signal: 'SIGKILL' });
  }
}

export { PROFILES };
