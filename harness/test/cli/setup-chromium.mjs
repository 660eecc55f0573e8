#!/usr/bin/env node
// Idempotent setup for the HTML report test: installs Debian's `chromium` when /usr/bin/chromium is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (existsSync('/usr/bin/chromium')) {
  console.log('chromium: present');
} else {
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit' });
    if (result.status !== 0) {
      console.error(`apt-get ${args.join(' ')} failed (exit ${result.status}); install chromium by hand`);
      process.exit(1);
    }
  }
  console.log('chromium: installed');
}
