// The README's examples are examples/*.mjs, verbatim, and they run against
// the real gateway as the README says.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { GatewayHarness } from './support/gateway_harness.js';

const startAndWatch = fileURLToPath(new URL('../examples/start_and_watch.mjs', import.meta.url));
const listAndWatch = fileURLToPath(new URL('../examples/list_and_watch.mjs', import.meta.url));

it('the README shows examples/start_and_watch.mjs and list_and_watch.mjs verbatim', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  for (const example of [startAndWatch, listAndWatch]) {
    const code = await readFile(example, 'utf8');
    assert.ok(
      readme.includes('```js\n' + code + '```\n'),
      `README.md does not hold ${example} as it is`,
    );
  }
});

it('examples/start_and_watch.mjs prints the events and the syntax error position', async () => {
  const gateway = await GatewayHarness.start();
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [startAndWatch, gateway.address],
      {
        timeout: 60_000,
      },
    );
    const lines = stdout.trim().split('\n');
    assert.match(lines[0], /^\d+ SNAPSHOT [A-Z_]+$/);
    assert.match(lines.at(-2), /^\d+ [A-Z_]+ COMPLETED$/);
    assert.equal(lines.at(-1), 'FAILED SYNTAX_ERROR at 13:7');
  } finally {
    await gateway.stop();
  }
});

it('examples/list_and_watch.mjs finds its compile by key and label and follows it to the end', async () => {
  // In progress long enough that the list finds it running.
  const gateway = await GatewayHarness.start({ simArgs: ['--in-progress-ms=3000'] });
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [listAndWatch, gateway.address],
      {
        timeout: 60_000,
      },
    );
    const lines = stdout.trim().split('\n');
    const name = /^lookup (flows\/main-menu\/compiles\/\S+) pipeline=checkout$/.exec(lines[0])?.[1];
    assert.ok(name, lines[0]);
    assert.match(lines[1], new RegExp(`^list ${name} (QUEUED|IN_PROGRESS)$`));
    assert.match(lines.at(-1), new RegExp(`^\\d+ ${name} COMPLETED$`));
  } finally {
    await gateway.stop();
  }
});
