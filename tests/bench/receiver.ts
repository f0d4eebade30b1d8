import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

/**
 * The webhook receiver of the `webhooks` section: a customer's server, in a process of its
 * own on the load driver's core (run.ts pins it), so answering costs the delivery worker's
 * core nothing. `POST /after/<ms>/<tag>` answers 200 after <ms>. Jobs come one JSON line
 * at a time on stdin, as the driver's do.
 *
 * Arrival times are read on `performance.timeOrigin + performance.now()`: wall-clock
 * milliseconds that the bench process reads the same way, so a fan-out is timed from the
 * change in one process to the last arrival in this one.
 */
export type ReceiverJob =
  | { kind: 'origin' }
  /** How many requests arrived under `/after/<ms>/<tag>`, how many distinct `webhook-id`s, and when the last came. */
  | { kind: 'arrivals'; tag: string };

interface Arrivals {
  count: number;
  ids: Set<string>;
  lastAt: number;
}

const now = () => performance.timeOrigin + performance.now();
const byTag = new Map<string, Arrivals>();

const server = createServer((req, res) => {
  const at = now();
  const match = /^\/after\/(\d+)\/([\w-]+)$/.exec(req.url ?? '');
  if (req.method !== 'POST' || !match) {
    res.writeHead(404).end();
    return;
  }
  const [, delay, tag] = match;
  const arrivals = byTag.get(tag!) ?? { count: 0, ids: new Set<string>(), lastAt: 0 };
  byTag.set(tag!, arrivals);
  arrivals.count++;
  arrivals.ids.add(String(req.headers['webhook-id']));
  arrivals.lastAt = Math.max(arrivals.lastAt, at);
  req.resume();
  req.on('end', () => setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'), Number(delay)));
});
// Longer than any pause in the bench: a socket closed by the server while the sender's
// keep-alive agent picks it up for the next POST fails that delivery (ECONNRESET).
server.keepAliveTimeout = 10 * 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

function run(job: ReceiverJob): unknown {
  switch (job.kind) {
    case 'origin':
      return { origin };
    case 'arrivals': {
      const arrivals = byTag.get(job.tag);
      return { count: arrivals?.count ?? 0, distinct: arrivals?.ids.size ?? 0, lastAt: arrivals?.lastAt ?? 0 };
    }
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  try {
    process.stdout.write(`${JSON.stringify({ ok: true, result: run(JSON.parse(line) as ReceiverJob) })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: (error as Error).message })}\n`);
  }
}
server.close();
