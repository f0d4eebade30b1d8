#!/usr/bin/env node
// Run by Node 24's type stripping, so `npm install` is the only step: the SDK is written
// in erasable TypeScript only (no enums, no parameter properties) and imports `.ts` paths.
import { parseArgs } from 'node:util';
import { createJunction, uploadFile, type JunctionClient, type UploadProgress } from './index.ts';

const usage = `usage:
  junction upload FILE [--content-type TYPE] [--concurrency N]
  junction upload --resume UPLOAD_ID FILE
  junction uploads list [--status STATUS]
  junction connections list
  junction syncs list CONNECTION_ID
environment: JUNCTION_URL (the API's base URL), JUNCTION_API_KEY`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'content-type': { type: 'string' },
      concurrency: { type: 'string' },
      resume: { type: 'string' },
      status: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const url = process.env.JUNCTION_URL;
  const apiKey = process.env.JUNCTION_API_KEY;
  if (!url || !apiKey) throw new UsageError(`set ${!url ? 'JUNCTION_URL' : 'JUNCTION_API_KEY'}`);
  const client = createJunction({ url, apiKey });
  const [command, ...rest] = positionals;
  const action = [command, rest[0]].join(' ');
  if (command === 'upload' && rest.length === 1) {
    const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) throw new UsageError('--concurrency takes a whole number ≥ 1');
    return upload(client, rest[0]!, { contentType: values['content-type'], concurrency, resumeId: values.resume });
  }
  if (action === 'uploads list' && rest.length === 1) return list(client, '/v1/uploads', values.status);
  if (action === 'connections list' && rest.length === 1) return list(client, '/v1/connections');
  if (action === 'syncs list' && rest.length === 2) return list(client, '/v1/connections/{id}/syncs', undefined, rest[1]);
  throw new UsageError(`unknown command: ${positionals.join(' ') || '(none)'}`);
}

async function upload(client: JunctionClient, file: string, options: { contentType?: string; concurrency?: number; resumeId?: string }) {
  const controller = new AbortController();
  let uploadId = options.resumeId;
  // The first Ctrl-C stops sending and leaves the session resumable; a second one quits at once.
  process.once('SIGINT', () => {
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  const progress = progressLine(process.stderr.isTTY === true);
  let last: UploadProgress | undefined;
  try {
    const done = await uploadFile(client, {
      path: file,
      ...options,
      signal: controller.signal,
      onProgress: (now) => {
        if (!last) process.stderr.write(`${options.resumeId ? 'resuming' : 'started'} ${now.uploadId}: ${now.partCount} parts, ${now.partsDone} already recorded\n`);
        uploadId = now.uploadId;
        last = now;
        progress(now);
      },
    });
    progress.end();
    const recorded = (last?.partsDone ?? 0) - (last?.partsSent ?? 0);
    process.stderr.write(`completed ${done.id}${done.verified ? ', verified' : ''}: sent ${last?.partsSent ?? 0} parts (${recorded} already recorded)\n`);
    process.stdout.write(`${JSON.stringify(done, null, 2)}\n`);
    return 0;
  } catch (error) {
    progress.end();
    if (!controller.signal.aborted) throw error;
    process.stderr.write(uploadId ? `stopped; resume with: junction upload --resume ${uploadId} ${file}\n` : 'stopped before the session was created\n');
    return 130;
  }
}

/**
 * Bytes, rate and ETA. On a terminal one line redrawn with \r; otherwise (a log, a pipe)
 * a line each time another 10% is recorded, so logs stay short.
 */
function progressLine(tty: boolean) {
  const started = Date.now();
  let startBytes: number | undefined;
  let printedTenths = -1;
  let drawn = false;
  const draw = (now: UploadProgress) => {
    startBytes ??= now.bytesDone;
    const percent = now.size === 0 ? 100 : Math.floor((now.bytesDone / now.size) * 100);
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? (now.bytesDone - startBytes) / seconds : 0;
    const eta = rate > 0 ? `${Math.ceil((now.size - now.bytesDone) / rate)} s` : '?';
    const line = `${percent}% ${bytes(now.bytesDone)} of ${bytes(now.size)}, parts ${now.partsDone}/${now.partCount}, ${bytes(rate)}/s, ETA ${eta}`;
    if (tty) {
      process.stderr.write(`\r${line}\x1b[K`);
      drawn = true;
    } else if (Math.floor(percent / 10) > printedTenths) {
      printedTenths = Math.floor(percent / 10);
      process.stderr.write(`${line}\n`);
    }
  };
  return Object.assign(draw, {
    end: () => {
      if (drawn) process.stderr.write('\n');
      drawn = false;
    },
  });
}

function bytes(count: number) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let unit = 0;
  while (count >= 1024 && unit < units.length - 1) {
    count /= 1024;
    unit += 1;
  }
  return `${count.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** Every page of a list, as one JSON array on stdout. */
async function list(client: JunctionClient, path: '/v1/uploads' | '/v1/connections' | '/v1/connections/{id}/syncs', status?: string, id?: string) {
  const items: unknown[] = [];
  let cursor: string | undefined;
  do {
    const query = { limit: 100, ...(cursor ? { cursor } : {}) };
    const { data, error, response } =
      path === '/v1/uploads'
        ? await client.GET(path, { params: { query: { ...query, ...(status ? { status: status as never } : {}) } } })
        : path === '/v1/connections'
          ? await client.GET(path, { params: { query } })
          : await client.GET(path, { params: { path: { id: id! }, query } });
    if (!data) throw new Error(`${response.status} ${(error as { detail?: string; title?: string }).detail ?? (error as { title?: string }).title ?? ''}`.trim());
    items.push(...data.data);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
  return 0;
}

// exitCode, not exit(): the output written to a pipe is flushed before the process ends.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`junction: ${error instanceof Error ? error.message : String(error)}\n`);
    if (error instanceof UsageError) process.stderr.write(`${usage}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
