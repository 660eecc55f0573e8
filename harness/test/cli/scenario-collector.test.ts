/**
 * The collector on hand-made cucumber envelopes: verdicts from step statuses, clause text from the spec,
 * lines from the gherkin document, traces and logs from attachments, retried attempts ignored.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Envelope } from '@cucumber/messages';
import { PROCESSES_MEDIA_TYPE, ScenarioCollector, TRACE_MEDIA_TYPE } from '../../../src/conform/scenario-collector.js';
import { ConformanceFailure, FAILURE_MEDIA_TYPE, takeFailure } from '../../../src/conform/conformance-failure.js';
import type { ScenarioResult } from '../../../src/conform/results.js';
import { specClauses } from '../../../src/conform/spec-clauses.js';

const at = { seconds: 100, nanos: 0 };
const later = { seconds: 100, nanos: 250_000_000 };

/** The envelopes of one scenario at `line` whose single step ends with `status` (and `message`). */
function scenario(
  n: number,
  line: number,
  tags: string[],
  status: string,
  message?: string,
  extra: Envelope[] = [],
  willBeRetried = false,
): Envelope[] {
  const id = (what: string): string => `${what}-${n}`;
  return [
    {
      gherkinDocument: {
        uri: `/pkg/features/call-${n}.feature`,
        comments: [],
        feature: {
          location: { line: 1 },
          tags: [],
          language: 'en',
          keyword: 'Feature',
          name: 'f',
          description: '',
          children: [
            {
              scenario: {
                id: id('ast'),
                location: { line },
                tags: [],
                keyword: 'Scenario',
                name: 's',
                description: '',
                steps: [],
                examples: [],
              },
            },
          ],
        },
      },
    },
    {
      pickle: {
        id: id('pickle'),
        uri: `/pkg/features/call-${n}.feature`,
        name: `scenario ${n}`,
        language: 'en',
        astNodeIds: [id('ast')],
        tags: tags.map((name) => ({ name, astNodeId: 'x' })),
        steps: [{ id: id('pstep'), text: `step of ${n}`, astNodeIds: [] }],
      },
    },
    {
      testCase: {
        id: id('case'),
        pickleId: id('pickle'),
        testSteps: [{ id: id('tstep'), pickleStepId: id('pstep') }],
        testRunStartedId: 'run',
      },
    },
    { testCaseStarted: { id: id('started'), testCaseId: id('case'), attempt: 0, timestamp: at } },
    ...extra.map((e) => ({
      ...e,
      ...(e.attachment ? { attachment: { ...e.attachment, testCaseStartedId: id('started') } } : {}),
    })),
    {
      testStepFinished: {
        testCaseStartedId: id('started'),
        testStepId: id('tstep'),
        testStepResult: { status, ...(message === undefined ? {} : { message }), duration: { seconds: 0, nanos: 0 } },
        timestamp: later,
      },
    },
    { testCaseFinished: { testCaseStartedId: id('started'), timestamp: later, willBeRetried } },
  ] as unknown as Envelope[];
}

function collect(envelopes: Envelope[]): ScenarioResult[] {
  const collector = new ScenarioCollector(specClauses(), '/pkg/features');
  for (const envelope of envelopes) collector.push(envelope);
  return collector.results();
}

test('step statuses become verdicts by level; ConformanceFailure fields are parsed; timeouts are told apart', () => {
  const failure = 'MF-CALL-6 (MUST) text\nexpected: result key present\nactual:   keys ["app"]';
  const [pass, fail, should, may, timeout, skipped, undefinedStep] = collect([
    ...scenario(1, 10, ['@child', '@must', '@MF-CALL-6'], 'PASSED'),
    ...scenario(2, 20, ['@child', '@must', '@MF-CALL-6'], 'FAILED', failure),
    ...scenario(3, 30, ['@child', '@should', '@MF-CALL-8'], 'FAILED', failure),
    ...scenario(4, 40, ['@child', '@may'], 'FAILED', failure),
    ...scenario(
      5,
      50,
      ['@child', '@must'],
      'FAILED',
      'function timed out, ensure the promise resolves within 100 milliseconds',
    ),
    ...scenario(6, 60, ['@child', '@must'], 'SKIPPED', undefined, [
      {
        attachment: {
          body: 'skipped: no method crash',
          mediaType: 'text/x.cucumber.log+plain',
          contentEncoding: 'IDENTITY',
        },
      } as Envelope,
    ]),
    ...scenario(7, 70, ['@child'], 'UNDEFINED'),
  ]);
  assert.deepEqual(
    [pass, fail, should, may, timeout, skipped, undefinedStep].map((r) => r!.verdict),
    ['pass', 'fail', 'fail', 'info', 'timeout', 'skipped', 'skipped'],
  );
  assert.deepEqual(
    [fail!.id, fail!.line, fail!.level, should!.level, may!.level, undefinedStep!.level],
    ['call-2.feature:20', 20, 'MUST', 'SHOULD', 'MAY', 'MUST'],
  );
  assert.deepEqual(fail!.failure, {
    clause: 'MF-CALL-6',
    expected: 'result key present',
    actual: 'keys ["app"]',
    message: failure,
    step: 'step of 2',
  });
  assert.equal(fail!.clauses[0]!.id, 'MF-CALL-6');
  assert.equal(fail!.clauses[0]!.level, 'MUST');
  assert.match(fail!.clauses[0]!.text ?? '', /always carries the `result` key/);
  assert.equal(fail!.durationMs, 250);
  assert.equal(skipped!.reason, 'skipped: no method crash');
  assert.match(undefinedStep!.reason ?? '', /^catalogue defect: step undefined: step of 7/);
});

test('the wire trace is kept for failures (base64 or not), dropped for passes unless asked; retried attempts are ignored', () => {
  const entries = [{ t: 0, dir: 'kit->worker', type: 'call' }];
  const trace = (encoded: boolean): Envelope =>
    ({
      attachment: {
        body: encoded ? Buffer.from(JSON.stringify(entries)).toString('base64') : JSON.stringify(entries),
        mediaType: TRACE_MEDIA_TYPE,
        contentEncoding: encoded ? 'BASE64' : 'IDENTITY',
      },
    }) as Envelope;
  const envelopes = [
    ...scenario(1, 10, ['@must'], 'PASSED', undefined, [trace(false)]),
    ...scenario(2, 20, ['@must'], 'FAILED', 'boom', [trace(true)]),
    ...scenario(3, 30, ['@must'], 'FAILED', 'first attempt', [], true),
  ];
  const [pass, fail] = collect(envelopes);
  assert.equal(pass!.trace, undefined);
  assert.deepEqual(fail!.trace, entries);
  assert.equal(collect(envelopes).length, 2, 'an attempt that will be retried is not a result');
  const all = new ScenarioCollector(specClauses(), '/pkg/features', () => undefined, true);
  for (const envelope of envelopes) all.push(envelope);
  assert.deepEqual(all.results()[0]!.trace, entries);
});

test('the processes a scenario started (exit status, stderr and stdout tails) are kept, for passing scenarios too', () => {
  const crashed = {
    role: 'worker',
    argv: ['python3', 'w.py'],
    pid: 41,
    exitCode: 1,
    signal: null,
    stderrTail: ['Traceback (most recent call last):', 'ValueError: boom'],
    stdoutTail: [],
  };
  // Still running at the end of the scenario: no exitCode or signal (JSON drops undefined).
  const running = { role: 'worker', argv: ['w'], pid: 42, stderrTail: ['warming up'], stdoutTail: ['hello'] };
  const attach = (list: unknown[]): Envelope =>
    ({
      attachment: { body: JSON.stringify(list), mediaType: PROCESSES_MEDIA_TYPE, contentEncoding: 'IDENTITY' },
    }) as Envelope;
  const [fail, pass, broken] = collect([
    ...scenario(1, 10, ['@must'], 'FAILED', 'no reply: the worker exited', [attach([crashed])]),
    ...scenario(2, 20, ['@must'], 'PASSED', undefined, [attach([running])]),
    ...scenario(3, 30, ['@must'], 'PASSED', undefined, [
      { attachment: { body: '{not json', mediaType: PROCESSES_MEDIA_TYPE, contentEncoding: 'IDENTITY' } } as Envelope,
    ]),
  ]);
  assert.deepEqual(fail!.processes, [crashed]);
  assert.deepEqual(pass!.processes, [{ ...running, exitCode: undefined, signal: undefined }]);
  assert.deepEqual(broken!.processes, []);
  assert.match(broken!.logs[0] ?? '', /unreadable processes attachment/);
});

test("a failure's fields come from its attachment, not from its message: a multi-line expected survives", () => {
  const fields = { clause: 'MF-CALL-4', expected: 'an ERROR\nwith two lines', actual: 'a RESPONSE', detail: undefined };
  const [attached, unreadable] = collect([
    ...scenario(1, 10, ['@child', '@must'], 'FAILED', 'MF-CALL-6 (MUST) text\nexpected: x\nactual:   y', [
      {
        attachment: { body: JSON.stringify(fields), mediaType: FAILURE_MEDIA_TYPE, contentEncoding: 'IDENTITY' },
      } as Envelope,
    ]),
    ...scenario(2, 20, ['@child', '@must'], 'FAILED', 'MF-CALL-6 (MUST) text\nexpected: x\nactual:   y', [
      { attachment: { body: '{"clause": 3}', mediaType: FAILURE_MEDIA_TYPE, contentEncoding: 'IDENTITY' } } as Envelope,
    ]),
  ]);
  assert.deepEqual(
    [attached!.failure?.clause, attached!.failure?.expected, attached!.failure?.actual],
    ['MF-CALL-4', 'an ERROR\nwith two lines', 'a RESPONSE'],
  );
  // An attachment that is not one: the message is read instead, and the log says so.
  assert.deepEqual([unreadable!.failure?.clause, unreadable!.failure?.expected], ['MF-CALL-6', 'x']);
});

test('takeFailure gives the fields of the failure that ended the scenario, once, and nothing for another error', () => {
  new ConformanceFailure('MF-CALL-4', 'an ERROR', 'a RESPONSE', 'more');
  assert.equal(takeFailure('TypeError: something else'), undefined, 'another error ended the scenario');
  const again = new ConformanceFailure('MF-CALL-4', 'an ERROR', 'a RESPONSE', 'more');
  assert.deepEqual(takeFailure(`ConformanceFailure: ${again.message}\n    at step`), {
    clause: 'MF-CALL-4',
    expected: 'an ERROR',
    actual: 'a RESPONSE',
    detail: 'more',
  });
  assert.equal(takeFailure(`ConformanceFailure: ${again.message}`), undefined, 'taken once');
});
