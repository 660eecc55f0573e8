/**
 * Readiness: a child is ready once it has echoed a heartbeat probe, so start-up needs no fixed sleep
 * (MF-LIFE-10, MF-LIFE-11). The same wait picks the profile (MF-PROF-6, MF-PROF-7): a parent pinned to one
 * profile sends one probe; by default it sends one per profile, v3 first, and speaks the profile of the first
 * echo. The wait ends with an echo, the child's exit, the ready timeout, or stop().
 */
import { ProfileProbeError, SpawnError, WorkerStoppedError } from '../../errors.js';
import type { Profile } from '../../protocol/profile.js';
import type { Clock, TimerHandle } from '../../time/clock.js';
import type { ExitInfo, LaunchedProcess } from '../shared/process-launcher.js';
import type { WorkerEvents } from './events.js';

/**
 * Delay between the probe of one profile and the next, ms: 0, every probe goes out at once, in order of
 * preference. A child handles the messages of one connection in order, so a child accepting both profiles
 * answers the v3 probe first and v3 wins; a strict child ignores the other app id (MF-MSG-6). Measured in
 * issue 19: a gap adds its length to the start-up of a v4 child that is already running (connect mode) and
 * saves nothing for a v3 one, whose echo needs no gap to come first.
 */
export const PROFILE_PROBE_GAP_MS: number = 0;

/** The part of the channel a probe needs. */
export interface ProbeChannel {
  newId(): string;
  /** Accept messages in every candidate profile until {@link speak} (a probe round begins). */
  probe(): void;
  /** Speak, and accept, `profile` only from now on. */
  speak(profile: Profile): void;
}

export interface ReadinessProbeOptions {
  clock: Clock;
  /** How long a wait lasts before the child counts as silent, ms. */
  readyTimeoutMs: number;
  /** The worker's name, for error messages. */
  workerName: string;
  events: WorkerEvents;
  /** The profiles to probe, in order of preference: the pinned one, or v3 then v4. */
  candidates: readonly Profile[];
  channel: ProbeChannel;
  /** Sends a readiness heartbeat in `profile`. */
  sendHeartbeat: (id: string, sentAtEpochMs: number, profile: Profile) => void;
}

type Outcome =
  | { kind: 'answered'; profile: Profile }
  | { kind: 'timeout' }
  | { kind: 'stopped' }
  | { kind: 'exited'; info: ExitInfo };

export class ReadinessProbe {
  /** The probes of the current (or last) round by id; an echo of one that did not win is expected and dropped. */
  private probes = new Map<string, Profile>();
  private answer: ((profile: Profile) => void) | undefined;
  /** Ends a wait at once (its timers too) when stop() comes first: nothing of it may outlive stop(). */
  private abortWait: (() => void) | undefined;

  constructor(private readonly options: ReadinessProbeOptions) {}

  /** True when the worker probes for its profile (no profile pinned). */
  get probing(): boolean {
    return this.options.candidates.length > 1;
  }

  /** True when `id` is a probe of the current or last round (its echo is not for the heartbeat monitor). */
  isProbeEcho(id: string): boolean {
    return this.probes.has(id);
  }

  /** Takes a heartbeat echo; true when it answered a probe (the first one ends the wait). */
  handleEcho(id: string): boolean {
    const profile = this.probes.get(id);
    if (profile === undefined) return false;
    this.answer?.(profile);
    return true;
  }

  /** Ends the current wait, if any, with a WorkerStoppedError. */
  abort(): void {
    this.abortWait?.();
  }

  /**
   * Sends the probes and waits for the first echo, the child's exit (`launched`; none in connect mode), or
   * the ready timeout. Speaks the answered profile from then on; emits `profile-chosen`, then `ready`.
   * @throws ProfileProbeError when probing and no probe is answered; SpawnError when the pinned probe is not
   *   answered or the child cannot be started; WorkerStoppedError when aborted.
   */
  async waitReady(launched: LaunchedProcess | undefined): Promise<void> {
    const { clock, candidates } = this.options;
    const startedAtMs = clock.nowMs();
    const timers: TimerHandle[] = [];
    const outcome = new Promise<Outcome>((resolve) => {
      this.answer = (profile) => resolve({ kind: 'answered', profile });
      this.abortWait = () => resolve({ kind: 'stopped' });
      timers.push(clock.setTimer(this.options.readyTimeoutMs, () => resolve({ kind: 'timeout' })));
      void launched?.exit.then((info) => resolve({ kind: 'exited', info }));
    });
    this.probes = new Map(candidates.map((profile) => [this.options.channel.newId(), profile]));
    if (this.probing) this.options.channel.probe();
    const sent: Profile[] = [];
    [...this.probes].forEach(([id, profile], index) => {
      const send = (): void => {
        sent.push(profile);
        this.options.sendHeartbeat(id, clock.epochMs(), profile);
      };
      if (index === 0 || PROFILE_PROBE_GAP_MS === 0) send();
      else timers.push(clock.setTimer(index * PROFILE_PROBE_GAP_MS, send));
    });
    const result = await outcome;
    for (const timer of timers) timer.cancel();
    this.answer = undefined;
    this.abortWait = undefined;
    if (result.kind === 'answered') {
      this.options.channel.speak(result.profile);
      this.options.events.emit({ type: 'profile-chosen', profile: result.profile.name, probed: this.probing });
      this.options.events.emit({ type: 'ready', afterMs: clock.nowMs() - startedAtMs });
      return;
    }
    throw this.failure(result, launched, sent);
  }

  private failure(
    result: Exclude<Outcome, { kind: 'answered' }>,
    launched: LaunchedProcess | undefined,
    sent: readonly Profile[],
  ): Error {
    const { workerName, readyTimeoutMs } = this.options;
    if (result.kind === 'stopped')
      return new WorkerStoppedError(`worker ${workerName} was stopped before it was ready`, false);
    const tail = launched?.stderrTail() ?? '';
    if (result.kind === 'exited' && result.info.error !== undefined) {
      const info = result.info;
      return new SpawnError(
        `worker ${workerName} could not be started: ${info.error!.message}`,
        info.code,
        info.signal,
        tail,
        { cause: info.error },
      );
    }
    const exit = result.kind === 'exited' ? result.info : { code: launched?.exited?.code ?? null, signal: null };
    const probes = sent.map((profile) => `a HEARTBEAT in ${profile.name} (app ${profile.app})`).join(', then ');
    if (!this.probing) {
      const what =
        result.kind === 'exited' ? 'exited before it answered' : `did not answer within ${readyTimeoutMs} ms`;
      return new SpawnError(
        `worker ${workerName} ${what} ${probes}, the profile pinned by the profile option`,
        exit.code,
        exit.signal,
        tail,
      );
    }
    const what =
      result.kind === 'exited'
        ? 'exited before it answered either readiness probe'
        : `answered neither readiness probe within ${readyTimeoutMs} ms`;
    const hint =
      "to send it one probe only, pin the profile it speaks with the profile option (profile: 'v3' or 'v4'); a slow starter needs a longer readyTimeoutMs";
    return new ProfileProbeError(`worker ${workerName} ${what}: ${probes}; ${hint}`, {
      probes: sent.map((profile) => profile.name),
      outcome: result.kind,
      exitCode: exit.code,
      signal: exit.signal,
      stderrTail: tail,
    });
  }
}
