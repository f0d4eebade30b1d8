import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openApiText } from '../../infra/openapi-file';
import { root } from '../support/runtime';

/**
 * The SDK's types are generated (`npm run sdk:generate`) and committed, so installing the
 * SDK needs no generation step. This keeps the committed file honest: it must be exactly
 * what openapi-typescript makes of the document the API serves today.
 */
describe('the generated SDK types', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'junction-sdk-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('are what openapi-typescript generates from the current OpenAPI document', async () => {
    await writeFile(join(dir, 'openapi.json'), openApiText());
    // The same command as `npm run sdk:generate`, into a scratch file.
    await promisify(execFile)(join(root, 'node_modules/.bin/openapi-typescript'), [join(dir, 'openapi.json'), '--output', join(dir, 'schema.ts')], { cwd: root });
    const committed = await readFile(join(root, 'sdk/src/schema.ts'), 'utf8');
    const generated = await readFile(join(dir, 'schema.ts'), 'utf8');
    // A plain equality would print 300 KB on failure; say what to do instead.
    expect(committed === generated ? 'up to date' : 'sdk/src/schema.ts differs: run `npm run sdk:generate`').toBe('up to date');
    expect(committed).toContain('"/v1/uploads/{id}/parts/{partNumber}"');
  });
});
