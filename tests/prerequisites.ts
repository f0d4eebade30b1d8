import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * What `npm test` needs beyond npm: Java 17+ for DynamoDB Local and Chromium for the
 * browser tests. `npm test` runs this first, so a machine without them stops in seconds
 * with one message naming each, instead of a browser suite failing after its 60 s setup.
 *
 *     node --import tsx tests/prerequisites.ts
 */

type Env = NodeJS.ProcessEnv;

/** Debian's chromium (Playwright's own browser download cannot run here), or `CHROMIUM_PATH`. */
export function chromiumPath(env: Env = process.env): string {
  return env.CHROMIUM_PATH || '/usr/bin/chromium';
}

/** The java that DynamoDB Local is started with (infra/local/dynamodb.ts): `JAVA_HOME`'s, else PATH's. */
export function javaCommand(env: Env = process.env): string {
  return env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java';
}

export interface Missing {
  what: string;
  found: string;
  install: string;
}

export function checkChromium(env: Env = process.env): Missing | undefined {
  const path = chromiumPath(env);
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch {
    return {
      what: 'Chromium, for the browser tests',
      found: `no executable at ${path}${env.CHROMIUM_PATH ? ' (CHROMIUM_PATH)' : ''}`,
      install: 'apt-get install chromium, or set CHROMIUM_PATH to a Chromium binary',
    };
  }
}

export function checkJava(env: Env = process.env): Missing | undefined {
  const command = javaCommand(env);
  const missing = (found: string) => ({
    what: 'Java 17 or later, for DynamoDB Local',
    found,
    install: 'apt-get install openjdk-17-jre-headless, or set JAVA_HOME to a Java 17+ installation',
  });
  // `java -version` writes to stderr, e.g. `openjdk version "17.0.15" 2025-04-15` or `java version "1.8.0_292"`.
  const run = spawnSync(command, ['-version'], { env, encoding: 'utf8', timeout: 15_000 });
  if (run.error) {
    const where = env.JAVA_HOME ? `at ${command} (JAVA_HOME)` : 'on PATH';
    return missing((run.error as NodeJS.ErrnoException).code === 'ENOENT' ? `no java ${where}` : `${command} -version failed: ${run.error.message}`);
  }
  const version = /version "(\d+)(?:\.(\d+))?/.exec(`${run.stderr}${run.stdout}`);
  if (!version) return missing(`${command} -version printed no version`);
  const major = version[1] === '1' ? Number(version[2]) : Number(version[1]);
  return major >= 17 ? undefined : missing(`${command} is Java ${major}`);
}

/** Every missing prerequisite, in one message; undefined when nothing is missing. */
export function prerequisitesMessage(env: Env = process.env): string | undefined {
  const missing = [checkJava(env), checkChromium(env)].filter((item) => item !== undefined);
  if (missing.length === 0) return undefined;
  return [
    `npm test needs ${missing.length === 1 ? 'a program' : 'programs'} this machine lacks:`,
    ...missing.map((item) => `  - ${item.what}: ${item.found}.\n    Install: ${item.install}`),
    'On Debian or Ubuntu, .ci/run installs what is missing, then runs the tests.',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const message = prerequisitesMessage();
  if (message) {
    console.error(message);
    process.exit(1);
  }
}
