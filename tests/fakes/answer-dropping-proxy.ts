import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of DynamoDB Local that can lose an answer: the request reaches
 * DynamoDB and is carried out, but the caller's connection is cut before the answer
 * arrives — what a timeout or a network blip after a commit looks like to a client.
 *
 * `dropNextAnswerTo(target)` arms it for the next request whose `X-Amz-Target` is
 * `DynamoDB_20120810.<target>`; `seen` keeps every such request's target and body.
 */
export async function startAnswerDroppingProxy(upstream: string) {
  const seen: Array<{ target: string; body: string; dropped: boolean }> = [];
  let armed: string | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '').replace('DynamoDB_20120810.', '');
      const drop = armed !== undefined && armed === target;
      if (drop) armed = undefined;
      seen.push({ target, body: body.toString('utf8'), dropped: drop });
      const forward = request(
        new URL(req.url ?? '/', upstream),
        { method: req.method, headers: req.headers as IncomingHttpHeaders },
        (answer) => {
          const answered: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => answered.push(chunk));
          answer.on('end', () => {
            // The upstream has done the work; the caller never hears of it.
            if (drop) return req.socket.destroy();
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(answered));
          });
        },
      );
      forward.on('error', () => req.socket.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    dropNextAnswerTo(target: string) {
      armed = target;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
