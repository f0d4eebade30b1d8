import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as z from 'zod';
import openApiDocument from '#openapi-document';
import { routesOf, splitRoute } from '../../../../infra/declaration';
import { declaration } from '../../../../infra/functions';
import { defineContract } from '../../../../shared/platform/contract';
import { buildOpenApi, openApiPath } from '../../../../shared/platform/openapi';
import pkg from '../../../../package.json' with { type: 'json' };

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

const operationsOf = (doc: { paths?: object }) =>
  Object.entries((doc.paths ?? {}) as Record<string, Record<string, { operationId?: string }>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, operation })),
  );

describe('buildOpenApi', () => {
  const contract = defineContract({
    summary: 'Show one thing',
    tag: 'Things',
    scope: 'read',
    path: z.strictObject({ id: z.string() }),
    responses: { 200: { description: 'The thing' } },
  });
  const doc = buildOpenApi([{ method: 'GET', path: '/v1/things/{id}', operationId: 'getThing', contract }], {
    version: '1.2.3',
    license: 'Apache-2.0',
  });

  it('names each operation by the operationId it is given', () => {
    expect(doc.paths?.['/v1/things/{id}']?.get?.operationId).toBe('getThing');
  });

  it('sends requests to the Junction that serves the document', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('carries the licence as an SPDX identifier', () => {
    expect(doc.info.license).toEqual({ name: 'Apache-2.0', identifier: 'Apache-2.0' });
  });
});

describe("Junction's OpenAPI document", () => {
  it("names every operation after its declared function", () => {
    const declared = routesOf(declaration)
      .filter(([, r]) => r.route !== '$default')
      .map(([name, r]) => {
        const { method, path } = splitRoute(r.route);
        return { route: `${method} ${openApiPath(path)}`, operationId: name };
      });
    const documented = operationsOf(openApiDocument).map(({ route, operation }) => ({ route, operationId: operation.operationId }));
    expect(documented.sort((a, b) => a.route.localeCompare(b.route))).toEqual(declared.sort((a, b) => a.route.localeCompare(b.route)));
  });

  it("carries package.json's licence", () => {
    expect(openApiDocument.info.license?.identifier).toBe(pkg.license);
  });

  describe("as Redocly's linter reads it (recommended rules)", () => {
    interface Problem {
      ruleId: string;
      severity: 'error' | 'warn';
      message: string;
      location: Array<{ pointer: string }>;
    }
    let problems: Problem[];
    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'junction-openapi-'));
      try {
        const file = join(dir, 'openapi.json');
        writeFileSync(file, JSON.stringify(openApiDocument, null, 2));
        const cli = join(root, 'node_modules/@redocly/cli/bin/cli.js');
        // It exits 1 when it finds errors; the report on stdout says which.
        const run = promisify(execFile)(process.execPath, [cli, 'lint', file, '--extends=recommended', '--format=json'], {
          cwd: dir,
          env: { PATH: process.env.PATH, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
          maxBuffer: 16 * 1024 * 1024,
        }).catch((failure: { stdout?: string }) => ({ stdout: failure.stdout ?? '' }));
        problems = (JSON.parse((await run).stdout) as { problems: Problem[] }).problems;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 30_000);

    const described = (severity: Problem['severity']) =>
      problems.filter((p) => p.severity === severity).map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`);

    it('finds no error', () => {
      expect(described('error')).toEqual([]);
    });

    it('warns only that the OAuth callback answers no 2xx: its success is a redirect', () => {
      expect(described('warn')).toEqual([
        'operation-2xx-response #/paths/~1v1~1oauth~1callback/get/responses: Operation must have at least one `2XX` response.',
      ]);
    });
  });
});
