// The README's example is examples/start_and_watch.mjs, verbatim, and it
// runs against the real gateway as the README says.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { GatewayHarness } from './support/gateway_harness.js';

const example = fileURLToPath(new URL('../examples/start_and_watch.mjs', import.meta.url));

it('the README shows examples/start_and_watch.mjs verbatim', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const code = await readFile(example, 'utf8');
  assert.ok(readme.includes('```js\n' + code + '```\n'), 'README.md does not hold the example as it is');
});

it('examples/start_and_watch.mjs prints the events and the syntax error position', async () => {
  const gateway = await GatewayHarness.start();
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [example, gateway.address], {
      timeout: 60_000,
    });
    const lines = stdout.trim().split('\n');
    assert.match(lines[0], /^\d+ SNAPSHOT [A-Z_]+$/);
    assert.match(lines.at(-2), /^\d+ [A-Z_]+ COMPLETED$/);
    assert.equal(lines.at(-1), 'FAILED SYNTAX_ERROR at 13:7');
  } finally {
    await gateway.stop();
  }
});
