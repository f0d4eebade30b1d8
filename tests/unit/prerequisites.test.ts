import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkJava } from '../prerequisites';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'prerequisites-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The environment of a machine whose PATH is `path` and with no JAVA_HOME. */
const machine = (path: string, chromium: string) => {
  const { JAVA_HOME: _, ...env } = process.env;
  return { ...env, PATH: path, CHROMIUM_PATH: chromium };
};

it('stops with one message naming Java and Chromium and how to install each', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'tests/prerequisites.ts'], {
    cwd: root,
    env: machine(dir, join(dir, 'no-chromium')),
    encoding: 'utf8',
  });

  expect(run.status).toBe(1);
  expect(run.stdout).toBe('');
  expect(run.stderr).toContain('Java 17 or later');
  expect(run.stderr).toContain('no java on PATH');
  expect(run.stderr).toContain('apt-get install openjdk-17-jre-headless');
  expect(run.stderr).toContain('Chromium');
  expect(run.stderr).toContain(`no executable at ${join(dir, 'no-chromium')} (CHROMIUM_PATH)`);
  expect(run.stderr).toContain('apt-get install chromium');
});

it('names a Java older than 17 as missing', () => {
  const java = join(dir, 'java');
  writeFileSync(java, '#!/bin/sh\necho \'openjdk version "11.0.22" 2024-01-16\' >&2\n');
  chmodSync(java, 0o755);

  expect(checkJava(machine(dir, '/usr/bin/chromium'))).toMatchObject({
    found: 'java is Java 11',
    install: expect.stringContaining('apt-get install openjdk-17-jre-headless'),
  });
});

it('reads Java 8 from its 1.x version string', () => {
  const java = join(dir, 'java');
  writeFileSync(java, '#!/bin/sh\necho \'java version "1.8.0_292"\' >&2\n');
  chmodSync(java, 0o755);

  expect(checkJava(machine(dir, '/usr/bin/chromium'))?.found).toBe('java is Java 8');
});
