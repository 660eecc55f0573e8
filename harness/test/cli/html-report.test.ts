/**
 * Opens the HTML report in headless Chromium (playwright-core driving Debian's /usr/bin/chromium) and checks
 * what a reader sees: the summary, a failing clause with expected vs actual, and its wire trace; and that
 * the page loads nothing from the network. A hand-built report with long unbreakable values checks the
 * layout: it wraps within a 1280 px page, clause ids are never broken mid-id, every failing row links to
 * its failure card, and the coverage table and a failure's origin and processes are shown.
 * Install Chromium with `node harness/test/cli/setup-chromium.mjs`; without it the tests report themselves
 * skipped with that reason.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { htmlReport } from '../../../src/conform/report/html-report.js';
import type { Report, ScenarioResult } from '../../../src/conform/results.js';
import { summarize } from '../../../src/conform/results.js';
import { specClauses } from '../../../src/conform/spec-clauses.js';
import { MINI_CATALOGUE, runCli } from './cli-process.js';

const CHROMIUM = '/usr/bin/chromium';
const SKIP = existsSync(CHROMIUM) ? false : `${CHROMIUM} missing: run node harness/test/cli/setup-chromium.mjs`;
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

test(
  'the HTML report shows the summary, the failing clause with expected vs actual, and its wire trace, offline',
  { skip: SKIP },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-html-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'report.html');
    const run = await runCli(t, ['--reference', '--quiet', '--html', file], {
      MULTIFROST_CONFORM_CATALOGUE: MINI_CATALOGUE,
    });
    assert.equal(run.code, 1, run.stderr);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    t.after(() => browser.close());
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(file).href);

    const summary = page.locator('#summary');
    assert.equal(await summary.isVisible(), true);
    assert.match(
      await summary.innerText(),
      /FAIL reference worker \(TypeScript\) \[v3\] 6 scenarios: 1 passed, 2 failed, 1 timed out, 1 skipped, 1 informational/,
    );

    const failure = page.locator('section.failure', { hasText: 'a failing MUST scenario' });
    assert.equal(await failure.isVisible(), true);
    const text = await failure.innerText();
    assert.match(text, /MF-CALL-4 \(MUST\) A CALL whose function name starts with `_` is answered with an ERROR/);
    assert.equal(await failure.locator('dd.expected').innerText(), 'an ERROR');
    assert.equal(await failure.locator('dd.actual').innerText(), 'a RESPONSE');
    const trace = failure.locator('details.trace pre');
    assert.equal(await trace.isVisible(), true, 'the trace of a failure is open, not folded away');
    assert.match(
      await trace.innerText(),
      /kit->worker\s+\{"app":"comlink_ipc_v3","id":"kit-1","type":"call"[\s\S]*worker->kit\s+\[3 frames: <empty> \| ff \| payload\] \{"app":"comlink_ipc_v3","id":"kit-1","type":"response"/,
    );

    assert.equal(await page.locator('table.all tbody tr').count(), 6);
    assert.deepEqual(requests, [pathToFileURL(file).href], 'the report loads nothing but itself');
  },
);

function result(id: string, cites: string[], fields: Partial<ScenarioResult> = {}): ScenarioResult {
  const [uri = 'x.feature', line = '1'] = id.split(':');
  return {
    id,
    name: `scenario at ${id}`,
    feature: uri.replace(/\.feature$/, ''),
    uri,
    line: Number(line),
    tags: ['@child', '@must', ...cites.map((c) => `@${c}`)],
    clauses: cites.map((c) => ({ id: c, level: specClauses().get(c)?.level, text: specClauses().get(c)?.text })),
    level: 'MUST',
    role: 'child',
    verdict: 'pass',
    durationMs: 2,
    failure: undefined,
    reason: undefined,
    trace: undefined,
    logs: [],
    processes: [],
    ...fields,
  };
}

/** A report whose failures carry values no browser can break at a space or a hyphen. */
function wideReport(): Report {
  const unbreakable = JSON.stringify({ result: Array.from({ length: 60 }, (_, i) => `value${i}`) }).replace(/,/g, ',');
  const failing = (id: string, cites: string[]): ScenarioResult =>
    result(id, cites, {
      verdict: 'fail',
      failure: {
        clause: cites[0],
        expected: unbreakable,
        actual: `${unbreakable}${unbreakable}`,
        message: 'm',
        step: 'Then the RESPONSE carries the value unchanged',
      },
      processes: [
        {
          role: 'worker',
          argv: [
            'python3',
            '-u',
            '/very/long/path/to/a/worker/that/does/not/break/anywhere/worker_with_a_long_name.py',
          ],
          pid: 4242,
          exitCode: 1,
          signal: null,
          stderrTail: ['Traceback (most recent call last):', `KeyError: '${'k'.repeat(300)}'`],
          stdoutTail: [],
        },
      ],
      trace: [
        {
          t: 1,
          dir: 'kit->worker',
          message: { app: 'comlink_ipc_v3', id: 'kit-1', type: 'call', function: 'echo', args: [unbreakable] },
        },
      ],
    });
  const scenarios = [
    failing('values.feature:10', ['MF-VAL-2', 'MF-VAL-10', 'MF-CALL-14', 'MF-CALL-10', 'MF-MSG-10', 'MF-FRAME-5']),
    failing('values.feature:11', ['MF-VAL-2']),
    result('call.feature:5', ['MF-CALL-6']),
    result('call.feature:9', ['MF-CALL-8'], {
      level: 'SHOULD',
      verdict: 'skipped',
      reason: `the worker has no method ${'x'.repeat(200)}`,
    }),
  ];
  return {
    info: {
      target: 'command ./worker_with_a_long_name.py',
      role: 'child',
      profile: 'v3',
      profileSource: '--profile',
      transport: 'zmq',
      startedAt: '2026-12-01T00:00:00.000Z',
      durationMs: 1000,
      kitVersion: '0.1.0',
      strict: false,
      tags: undefined,
      faults: undefined,
      seed: undefined,
    },
    scenarios,
    summary: summarize(scenarios, false),
    extras: [],
  };
}

test(
  'with failures the HTML report wraps within a 1280 px page, never breaks a clause id, and links every failing row to its card',
  { skip: SKIP },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-html-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'wide.html');
    writeFileSync(file, htmlReport(wideReport()));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(file).href);

    // Page-side code as strings: this file type-checks without the DOM library.
    const width = (await page.evaluate(
      '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
    )) as { scroll: number; client: number };
    assert.ok(width.scroll <= 1280, `the page is ${width.scroll} px wide in a 1280 px window`);

    // An inline element broken across lines has one client rect per line.
    const broken = (await page.evaluate(
      "[...document.querySelectorAll('body *')].filter((el) => el.children.length === 0 && /^MF-[A-Z]+-\\d+$/.test(el.textContent ?? '')).filter((el) => el.getClientRects().length > 1).map((el) => el.textContent)",
    )) as string[];
    assert.deepEqual(broken, [], 'clause ids broken across lines');
    const idCells = await page.locator('table.all tbody tr').first().locator('.cid').count();
    assert.equal(idCells, 6, 'each clause id of a row is its own unbreakable element');

    for (const id of ['values.feature:10', 'values.feature:11']) {
      const row = page.locator('table.all tbody tr', { hasText: id });
      const href = await row.locator('a[href^="#"]').first().getAttribute('href');
      assert.ok(href !== null, `the row of ${id} links to its failure card`);
      const card = page.locator(`section.failure[id="${href.slice(1)}"]`);
      assert.equal(await card.count(), 1, `${href} names a failure card`);
      assert.match(await card.innerText(), new RegExp(id.replace('.', '\\.')));
    }

    const card = page.locator('section.failure', { hasText: 'values.feature:11' });
    const text = await card.innerText();
    assert.match(text, /origin: erratum - The design's table maps every `number` to Float64/);
    assert.match(text, /worker pid 4242 .*: exited with code 1/);
    assert.match(text, /stderr: Traceback \(most recent call last\):/);

    const coverage = page.locator('table.coverage tbody tr');
    const applicable = [...specClauses().values()].filter((c) => c.level !== 'MAY' && c.roles.includes('child')).length;
    assert.equal(await coverage.count(), applicable, 'one coverage row per applicable MUST and SHOULD clause');
    assert.match(await page.locator('table.coverage tbody tr', { hasText: 'MF-OUT-2' }).innerText(), /not checkable/);
    assert.match(
      await page.locator('#summary').innerText(),
      /not conformant: \d+ of \d+ applicable MUST clauses checked/,
    );
  },
);
