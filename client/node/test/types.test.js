// The hand-written index.d.ts, checked by the TypeScript compiler (a dev
// dependency) against an example of the package's use: it must compile,
// and every misuse marked @ts-expect-error must be refused.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { promisify } from 'node:util';

it('index.d.ts accepts the documented use and refuses misuse', async () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const project = fileURLToPath(new URL('types/tsconfig.json', import.meta.url));
  const result = await promisify(execFile)(process.execPath, [tsc, '-p', project]).catch(
    (error) => error,
  );
  assert.equal(result.code ?? 0, 0, `tsc failed:\n${result.stdout}${result.stderr}`);
});
