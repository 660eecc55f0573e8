/**
 * Opens the HTML report in headless Chromium (playwright-core driving Debian's /usr/bin/chromium) and checks
 * what a reader sees: the summary, a failing clause with expected vs actual, and its wire trace; and that
 * the page loads nothing from the network. Install Chromium with `node harness/test/cli/setup-chromium.mjs`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { MINI_CATALOGUE, runCli } from './cli-process.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

test('the HTML report shows the summary, the failing clause with expected vs actual, and its wire trace, offline', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} missing: run node harness/test/cli/setup-chromium.mjs` }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-html-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'report.html');
  const run = await runCli(t, ['--reference', '--quiet', '--html', file], { MULTIFROST_CONFORM_CATALOGUE: MINI_CATALOGUE });
  assert.equal(run.code, 1, run.stderr);

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(pathToFileURL(file).href);

  const summary = page.locator('#summary');
  assert.equal(await summary.isVisible(), true);
  assert.match(await summary.innerText(), /FAIL reference worker \(TypeScript\) \[v3\] 6 scenarios: 1 passed, 2 failed, 1 timed out, 1 skipped, 1 informational/);

  const failure = page.locator('section.failure', { hasText: 'a failing MUST scenario' });
  assert.equal(await failure.isVisible(), true);
  const text = await failure.innerText();
  assert.match(text, /MF-CALL-4 \(MUST\) A CALL whose function name starts with `_` is answered with an ERROR/);
  assert.equal(await failure.locator('dd.expected').innerText(), 'an ERROR');
  assert.equal(await failure.locator('dd.actual').innerText(), 'a RESPONSE');
  const trace = failure.locator('details.trace pre');
  assert.equal(await trace.isVisible(), true, 'the trace of a failure is open, not folded away');
  assert.match(await trace.innerText(), /kit->worker\s+\{"app":"comlink_ipc_v3","id":"kit-1","type":"call"[\s\S]*worker->kit\s+\[3 frames: <empty> \| ff \| payload\] \{"app":"comlink_ipc_v3","id":"kit-1","type":"response"/);

  assert.equal(await page.locator('table.all tbody tr').count(), 6);
  assert.deepEqual(requests, [pathToFileURL(file).href], 'the report loads nothing but itself');
});
