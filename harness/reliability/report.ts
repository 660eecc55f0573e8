/**
 * Runs every reliability proof at full size, each in its own Node process (so one run's memory never colours
 * another's figures), and writes docs/reliability.md from what they printed.
 *
 *   npm run reliability            (= node --import tsx harness/reliability/report.ts)
 *
 * Sizes can be lowered for a quick look (the doc then says so): MF_CHAOS_SEEDS, MF_CHAOS_REAL_CALLS,
 * MF_CHAOS_REAL_KILLS, MF_LEAK_CALLS, MF_FUZZ_CASES. `--no-write` prints the doc instead of writing it.
 * Exits 1 when any run reported a violation (the doc is still written, with the failures in it).
 */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { realClock } from '../../src/time/real-clock.js';
import type { ChaosRealResult } from './chaos-real.js';
import type { ChaosSummary } from './chaos-sim-driver.js';
import type { FuzzResult } from './fuzz.js';
import type { LeakResult } from './leaks.js';
import type { MemoryBoundResult } from './memory-bound.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Run<T> {
  command: string;
  exitCode: number | null;
  wallSeconds: number;
  result: T | undefined;
  bench: string[];
  tail: string;
}

function run<T>(script: string, env: Record<string, string> = {}, args: string[] = []): Run<T> {
  const shown = [
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    'node --import tsx',
    `harness/reliability/${script}`,
    ...args,
  ].join(' ');
  process.stderr.write(`running: ${shown}\n`);
  const started = realClock.nowMs();
  const child = spawnSync(process.execPath, ['--import', 'tsx', `harness/reliability/${script}`, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const wallSeconds = (realClock.nowMs() - started) / 1000;
  const lines = `${child.stdout}`.split('\n');
  const resultLine = lines.find((line) => line.startsWith('RESULT '));
  const bench = lines.filter((line) => line.startsWith('BENCH '));
  for (const line of bench) process.stderr.write(`  ${line}\n`);
  return {
    command: shown,
    exitCode: child.status,
    wallSeconds,
    result: resultLine === undefined ? undefined : (JSON.parse(resultLine.slice('RESULT '.length)) as T),
    bench,
    tail: `${child.stdout}\n${child.stderr}`.trim().split('\n').slice(-15).join('\n'),
  };
}

/** The security test files, run as tests: their pass/fail counts and names go into the doc. */
function securityTests(): { command: string; pass: number; fail: number; names: string[] } {
  const files = ['harness/test/reliability/security.test.ts', 'harness/test/reliability/registry-security.test.ts'];
  process.stderr.write(`running: node --import tsx --test ${files.join(' ')}\n`);
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', ...files], {
    cwd: root,
    encoding: 'utf8',
  });
  const out = `${child.stdout}`;
  const names = [...out.matchAll(/^(?:not )?ok \d+ - (.+)$/gm)].map(
    (m) => `${m[0].startsWith('not') ? 'FAIL' : 'pass'}: ${m[1]}`,
  );
  const count = (label: string): number => Number(new RegExp(`^# ${label} (\\d+)`, 'm').exec(out)?.[1] ?? 0);
  return { command: `node --import tsx --test ${files.join(' ')}`, pass: count('pass'), fail: count('fail'), names };
}

const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(2)} MB`;
const n = (value: number): string => value.toLocaleString('en-US');

function section<T>(title: string, runOf: Run<T>, body: (result: T) => string[]): string[] {
  const lines = [
    `## ${title}`,
    '',
    `Command: \`${runOf.command}\` (exit ${runOf.exitCode}, ${runOf.wallSeconds.toFixed(1)} s wall)`,
    '',
  ];
  if (runOf.result === undefined)
    return [...lines, 'No result: the run failed before reporting.', '', '```', runOf.tail, '```', ''];
  return [...lines, ...body(runOf.result), ''];
}

function main(): void {
  const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
  const seeds = env('MF_CHAOS_SEEDS', 10_000);
  const realCalls = env('MF_CHAOS_REAL_CALLS', 10_000);
  const kills = env('MF_CHAOS_REAL_KILLS', 20);
  const leakCalls = env('MF_LEAK_CALLS', 1_000_000);
  const fuzzCases = env('MF_FUZZ_CASES', 100_000);

  const sim = run<
    ChaosSummary & { wallMs: number; failedSeeds: Array<{ seed: number; replay: string; violations: string[] }> }
  >('chaos-sim.ts', { MF_CHAOS_SEEDS: String(seeds) });
  const real = run<ChaosRealResult & { violations: string[] }>('chaos-real.ts', {
    MF_CHAOS_REAL_CALLS: String(realCalls),
    MF_CHAOS_REAL_KILLS: String(kills),
  });
  const leaks = run<LeakResult>('leaks.ts', { MF_LEAK_CALLS: String(leakCalls) });
  const fuzz = run<{ seed: number; results: FuzzResult[] }>('fuzz.ts', { MF_FUZZ_CASES: String(fuzzCases) });
  const bound = run<MemoryBoundResult>('memory-bound.ts');
  const security = securityTests();

  const failures: string[] = [];
  if (sim.result === undefined || sim.result.failedSeeds.length > 0) failures.push('chaos-sim');
  if (real.result === undefined || real.result.violations.length > 0) failures.push('chaos-real');
  if (leaks.result === undefined || leaks.result.violations.length > 0) failures.push('leaks');
  if (fuzz.result === undefined || fuzz.result.results.some((r) => r.violations.length > 0)) failures.push('fuzz');
  if (bound.result === undefined || bound.result.violations.length > 0) failures.push('memory-bound');
  if (security.fail > 0 || security.pass === 0) failures.push('security');

  const cpu = cpus();
  const doc: string[] = [
    '# Reliability and security figures',
    '',
    '<!-- Generated by `npm run reliability` (harness/reliability/report.ts). Do not edit by hand: run it again. -->',
    '',
    `Generated ${new Date(realClock.epochMs()).toISOString()} on Node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB.`,
    `Verdict: **${failures.length === 0 ? 'every invariant held' : `FAILED: ${failures.join(', ')}`}**.`,
    '',
    'Each figure below comes from a run of the command shown; every run checks its invariants itself and exits',
    'non-zero on a violation. Smaller versions of the same runs are part of `npm test`',
    '(`harness/test/reliability/*.test.ts`, together well under 90 s).',
    '',
    '## Summary',
    '',
    '| Figure | Value |',
    '| --- | --- |',
  ];
  const rows: Array<[string, string]> = [];
  if (sim.result !== undefined) {
    const r = sim.result;
    rows.push(['Simulated chaos: seeds run', n(r.seeds)]);
    rows.push(['Simulated chaos: calls (answered with their own result)', `${n(r.calls)} (${n(r.succeeded)})`]);
    rows.push(['Simulated chaos: faults injected', n(r.faultsTotal)]);
    rows.push(['Simulated chaos: seeds breaking an invariant', n(r.failedSeeds.length)]);
  }
  if (real.result !== undefined) {
    const r = real.result;
    rows.push([
      'Real processes: calls survived (answered / rejected with a typed error)',
      `${n(r.answered)} / ${n(r.calls - r.answered)} of ${n(r.calls)}`,
    ]);
    rows.push(['Real processes: SIGKILLs (restarts)', `${n(r.kills)} (${n(r.restarts)})`]);
    rows.push([
      'Real processes: hangs, unhandled rejections, orphans',
      `${r.hangs}, ${r.unhandledRejections}, ${r.orphans.length}`,
    ]);
  }
  if (leaks.result !== undefined) {
    const r = leaks.result;
    rows.push(['Leaks: calls', n(r.calls)]);
    rows.push([
      'Leaks: parent heap / RSS growth after warm-up (worst sample)',
      `${mb(r.heapGrowth)} / ${mb(r.rssGrowth)}`,
    ]);
    rows.push(['Leaks: child RSS growth after warm-up (worst sample)', mb(r.childRssGrowth)]);
  }
  if (fuzz.result !== undefined) {
    for (const r of fuzz.result.results)
      rows.push([
        `Fuzz cases sent to the ${r.target} (probes answered between them)`,
        `${n(r.cases + r.oversized)} (${n(r.probes)})`,
      ]);
  }
  if (bound.result !== undefined)
    rows.push([
      `Memory bound: child peak RSS before / after ${bound.result.messages} x 32 MiB`,
      `${mb(bound.result.peakBefore)} / ${mb(bound.result.peakAfter)}`,
    ]);
  rows.push(['Security tests passed', `${security.pass} of ${security.pass + security.fail}`]);
  doc.push(...rows.map(([k, v]) => `| ${k} | ${v} |`), '');

  doc.push(
    ...section('Simulated chaos soak', sim, (r) => [
      'A ParentWorker (autoRestart on; heartbeat, breaker, restart and timeout settings drawn per seed) drives',
      'the reference worker on a SimNetwork on virtual time. Each seed draws its own fault plan (drop, delay with',
      'jitter, duplicate, reorder, crash-on-CALL rules), crashes (`SimLauncher.crash`) and partitions at random',
      'moments, and 20-60 calls (`echo` with a payload unique to the call, `fail` with a message unique to the call,',
      '`sleep` with a duration unique to the call; v3 or v4; 10% without a timeout). A third of the seeds call `stop()`',
      'in the middle of the workload.',
      'Invariants on every seed: each call settles once, within its timeout; a call resolves only with its own',
      'result (MF-CALL-12); rejections are MultifrostErrors of an allowed code; breaker transitions are legal and',
      'chained, and match the trip/reset counters (MF-CB-1..8); metrics count each sent call once; after `stop()`',
      'no worker timer, no pending call, no live simulated process, no message in flight (MF-LIFE-5).',
      'A failing seed prints `MF_CHAOS_SEED=<seed> node --import tsx harness/reliability/chaos-sim.ts`, which replays',
      'it with the network trace on and prints its tail.',
      '',
      '| Figure | Value |',
      '| --- | --- |',
      `| seeds | ${n(r.seeds)} |`,
      `| calls / answered with their own result | ${n(r.calls)} / ${n(r.succeeded)} |`,
      `| rejected, by code | ${Object.entries(r.rejected)
        .map(([code, count]) => `${code} ${n(count)}`)
        .join(', ')} |`,
      `| faults injected, by kind | ${Object.entries(r.faults)
        .map(([kind, count]) => `${kind} ${n(count)}`)
        .join(', ')} |`,
      `| breaker transitions / child restarts | ${n(r.breakerTransitions)} / ${n(r.restarts)} |`,
      `| seeds stopped in the middle of the workload | ${n(r.stoppedEarly)} |`,
      `| virtual time simulated | ${(r.virtualMs / 3_600_000).toFixed(2)} h in ${(r.wallMs / 1000).toFixed(1)} s wall |`,
      `| seeds breaking an invariant | ${r.failedSeeds.length === 0 ? '0' : r.failedSeeds.map((f) => `${f.seed} (${f.violations.join('; ')})`).join('<br>')} |`,
    ]),
    ...section('Real-process chaos', real, (r) => [
      'Calls over real ZeroMQ to the reference worker spawned by `ParentWorker.spawn` (its own process group), 16 in',
      'flight, while the child is SIGKILLed at random moments with autoRestart on. Every call must resolve with its',
      'own payload or reject with a MultifrostError (MF_WORKER_STOPPED, MF_TIMEOUT, MF_CIRCUIT_OPEN or',
      'MF_CONNECTION); a per-call real-time watchdog counts hangs; `unhandledRejection` is counted; after `stop()`',
      'every pid ever spawned and every member of their process groups must be gone (read from /proc).',
      '',
      '| Figure | Value |',
      '| --- | --- |',
      `| calls | ${n(r.calls)} |`,
      `| answered with their own payload | ${n(r.answered)} |`,
      `| rejected, by code | ${
        Object.entries(r.rejected)
          .map(([code, count]) => `${code} ${n(count)}`)
          .join(', ') || 'none'
      } |`,
      `| SIGKILLs / restarts / pids spawned | ${r.kills} / ${r.restarts} / ${r.spawnedPids} |`,
      `| hangs / unhandled rejections / wrong results / untyped errors | ${r.hangs} / ${r.unhandledRejections} / ${r.wrongResults} / ${r.untypedErrors} |`,
      `| orphan processes after stop() | ${r.orphans.length} |`,
      `| pending calls after stop() | ${r.inFlightAfterStop} |`,
      `| violations | ${r.violations.length === 0 ? 'none' : r.violations.join('; ')} |`,
    ]),
    ...section('Leaks', leaks, (r) => {
      const first = r.samples[0]!;
      return [
        'Calls parent <-> child over real ZeroMQ (the reference worker in its own process), 64 in flight, fresh payloads.',
        'Memory is sampled after a forced full GC at the end of the warm-up and at five points after it. Checked: heap',
        'and RSS growth after warm-up (parent) and RSS growth (child, from /proc) below 20 MB; pending calls,',
        "the worker's live timers (a counting clock), the latency window, process listeners, active resources",
        '(`process.getActiveResourcesInfo()`) and open file descriptors never above their warm-up value.',
        '',
        '| calls | heap used | parent RSS | child RSS | pending | worker timers | listeners | resources | fds |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
        ...r.samples.map(
          (s) =>
            `| ${n(s.calls)} | ${mb(s.heapUsed)} | ${mb(s.rss)} | ${mb(s.childRss)} | ${s.inFlight} | ${s.liveTimers} | ${s.processListeners} | ${s.activeResources} | ${s.fds} |`,
        ),
        '',
        `Growth from the end of warm-up (${n(first.calls)} calls) to the highest later sample: heap ${mb(r.heapGrowth)}, parent RSS ${mb(r.rssGrowth)}, child RSS ${mb(r.childRssGrowth)}.`,
        `Throughput during the run: ${n(Math.round(r.callsPerSecond))} calls/s. Violations: ${r.violations.length === 0 ? 'none' : r.violations.join('; ')}.`,
      ];
    }),
    ...section('Hostile input (fast-check)', fuzz, (f) => [
      `Seed ${f.seed}. Frames generated by \`harness/reliability/hostile-frames.ts\`: wrong frame counts and delimiters,`,
      'random, truncated and trailing bytes, non-map msgpack, every field missing or of a wrong type, extra fields,',
      'nesting up to 100,000 levels, declared-length bombs (array32/map32/str32/bin32/ext32 headers claiming GiBs),',
      'CALLs naming Object.prototype, constructor and base-class members, and payloads over 16 MiB. To a ChildWorker',
      'from a raw DEALER; to a ParentWorker (connect mode) from a raw ROUTER posing as its child. A valid call is made',
      'every 100 frames and must be answered with its own value; no reply may answer a badly framed message or carry an',
      'id nobody sent; a forbidden name must never get a RESPONSE; no exit, no unhandled rejection, heap growth < 20 MB.',
      '',
      '| Target | cases (+ oversized) | probes answered | heap growth | drops by reason | violations |',
      '| --- | --- | --- | --- | --- | --- |',
      ...f.results.map(
        (r) =>
          `| ${r.target} | ${n(r.cases)} (+${r.oversized}) | ${n(r.probes)} | ${mb(r.heapGrowth)} | ${Object.entries(
            r.drops,
          )
            .map(([k, v]) => `${k} ${n(v)}`)
            .join(', ')} | ${r.violations.length === 0 ? 'none' : r.violations.join('; ')} |`,
      ),
      '',
      'Cases by family (a badly framed case counts under its frame shape and its payload family):',
      '',
      ...f.results.map(
        (r) =>
          `- ${r.target}: ${Object.entries(r.kinds)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => `${k} ${n(v)}`)
            .join(', ')}`,
      ),
    ]),
    ...section('Memory bounded before decoding', bound, (r) => [
      `An intruder (a raw DEALER) sends ${r.messages} messages of ${mb(r.messageBytes)} at a connect-mode service while`,
      `its only call blocks the event loop for ${r.busyMs / 1000} s. The child's ROUTER has the inbound frame limit`,
      "(`maxMessageBytes` = 16 MiB + 64 bytes of frame overhead, libzmq MAXMSGSIZE): libzmq reads each frame's length",
      'header, refuses it before buffering anything and drops the connection; the intruder re-connects and tries again.',
      'Checked: peak RSS of the child (VmHWM, /proc) under 200 MB, the busy call answered, 100 calls served afterwards,',
      'every message refused at the transport. Without the limit the same scenario peaked at 1,352 and 1,370 MB (two runs).',
      '',
      '| Figure | Value |',
      '| --- | --- |',
      `| child peak RSS before the attack | ${mb(r.peakBefore)} |`,
      `| child peak RSS after the attack and the calls | ${mb(r.peakAfter)} (limit ${mb(r.limitBytes)}) |`,
      `| messages refused at the transport | ${r.refused} of ${r.messages} |`,
      `| calls served after the attack | ${r.callsAfter} of 100 |`,
      `| violations | ${r.violations.length === 0 ? 'none' : r.violations.join('; ')} |`,
    ]),
    '## Where each proof lives',
    '',
    '| Proof | Full size (this document) | In `npm test` |',
    '| --- | --- | --- |',
    `| simulated chaos | \`harness/reliability/chaos-sim.ts\`, ${n(seeds)} seeds | \`harness/test/reliability/chaos-sim.test.ts\`, 1,000 seeds, plus replay determinism and a broken child it must catch |`,
    `| real-process chaos | \`harness/reliability/chaos-real.ts\`, ${n(realCalls)} calls, ${kills} SIGKILLs | \`chaos-real.test.ts\`, 800 calls, 3 SIGKILLs, plus a check that the orphan detector sees a live group |`,
    `| leaks | \`harness/reliability/leaks.ts\`, ${n(leakCalls)} calls | \`leaks.test.ts\`, 60,000 calls after a 30,000-call warm-up |`,
    `| hostile input | \`harness/reliability/fuzz.ts\`, ${n(fuzzCases)} frames each way | \`fuzz.test.ts\`, 3,000 frames each way, plus generator coverage |`,
    '| memory bound | `harness/reliability/memory-bound.ts` | `harness/test/worker/process-memory.test.ts`, the same size |',
    '| security | the two test files below | the same files |',
    '',
    '## What these runs found',
    '',
    '- **Fixed**: chaos seed 2786. When a restarting child died and `stop()` came before its exit was reported,',
    "  `stop()` resolved with the restart's ready timer still armed (MF-LIFE-5). `ParentWorker.stop()` now ends a",
    '  pending ready wait at once, timer included; regression test `harness/test/reliability/stop-during-restart.test.ts`.',
    '- **Fixed**: found while reviewing what grows with use: a child remembered the routing id of every parent it',
    '  ever heard from and sent each output line to all of them (a connect-mode service that served 300 parents in',
    '  turn sent one line 301 times). `OutputForwarder` now keeps the 32 most recently heard from; regression test',
    '  `harness/test/reliability/child-parents.test.ts`.',
    "- **Property of ZeroMQ, not a bug**: a call sent in the instant between a child's death and libzmq noticing the",
    '  broken connection goes into the dead connection and is lost (at-most-once). It ends with MF_TIMEOUT after its',
    '  timeout, never with a wrong result; a caller that cannot tolerate that needs idempotent calls and a retry.',
    "- **Harness bug, fixed**: fast-check's bias towards small numbers made two fuzz cases share a message id, so a",
    '  legitimate echo reply was first reported as a forbidden name being served; ids are now unique per sample.',
    '',
    '## Limits of these figures',
    '',
    '- Parent RSS grows by about 20-25 MB during the first ~30,000 real calls (allocator arenas, ZeroMQ buffers)',
    '  and is flat afterwards; the heap does not grow. That is why the warm-up is 10% of the run (30,000 calls in the',
    '  test-size run) and why growth is measured from its end, to the worst later sample.',
    '- Fault counts are fault decisions applied to messages; a message delayed by the plan and then lost to a',
    '  partition counts under both. Faults start once `start()` has resolved (start-up under faults is covered by',
    "  the worker tests), and the chaos soak does not corrupt bytes (that is the fuzz runs' subject).",
    '- The child under fuzz runs inside the harness process, on real sockets, so a crash or a polluted prototype',
    '  shows up there; its memory is the harness heap. The leak run measures a child in its own process.',
    '- The "another user\'s registry file" test chowns the file to uid 65534 when run as root; otherwise it uses the',
    "  store's stat hook for the unit-level checks and skips the end-to-end one.",
    '',
    `## Security tests`,
    '',
    `Command: \`${security.command}\`: ${security.pass} passed, ${security.fail} failed.`,
    '',
    ...security.names.map((name) => `- ${name}`),
    '',
  );
  const text = `${doc.join('\n')}\n`;
  if (process.argv.includes('--no-write')) process.stdout.write(text);
  else writeFileSync(`${root}docs/reliability.md`, text);
  process.stderr.write(failures.length === 0 ? 'all reliability runs passed\n' : `FAILED: ${failures.join(', ')}\n`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}

main();
