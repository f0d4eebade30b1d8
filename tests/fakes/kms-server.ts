import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeKms } from './kms';

/**
 * The fake KMS behind KMS's own wire format: JSON 1.1 over HTTP, the operation in
 * `X-Amz-Target: TrentService.<Operation>`, binary fields base64-encoded, errors as
 * `{ "__type", "message" }` with status 400. Every request must carry a SigV4
 * Authorization header for the kms service.
 */
export async function startKmsServer(keyArns: string[]) {
  const { operations: kms, calls } = fakeKms(keyArns);
  const targets: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', async () => {
      const reply = (status: number, document: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(document));
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      targets.push(target);
      if (!/^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/kms\/aws4_request, /.test(String(req.headers.authorization))) {
        return reply(400, { __type: 'MissingAuthenticationTokenException', message: 'no SigV4 signature for kms' });
      }
      if (req.headers['content-type'] !== 'application/x-amz-json-1.1') {
        return reply(400, { __type: 'SerializationException', message: 'wrong content type' });
      }
      const input = JSON.parse(body) as Record<string, unknown>;
      const bytes = (field: string) => new Uint8Array(Buffer.from(String(input[field]), 'base64'));
      const b64 = (value: Uint8Array) => Buffer.from(value).toString('base64');
      try {
        switch (target) {
          case 'TrentService.GenerateDataKey': {
            const out = await kms.generateDataKey(input as never);
            return reply(200, { KeyId: out.KeyId, Plaintext: b64(out.Plaintext), CiphertextBlob: b64(out.CiphertextBlob) });
          }
          case 'TrentService.Encrypt': {
            const out = await kms.encrypt({ ...(input as { KeyId: string }), Plaintext: bytes('Plaintext') });
            return reply(200, { KeyId: out.KeyId, CiphertextBlob: b64(out.CiphertextBlob) });
          }
          case 'TrentService.Decrypt': {
            const out = await kms.decrypt({ ...(input as { KeyId?: string }), CiphertextBlob: bytes('CiphertextBlob') });
            return reply(200, { KeyId: out.KeyId, Plaintext: b64(out.Plaintext) });
          }
          case 'TrentService.DescribeKey':
            return keyArns.includes(String(input.KeyId))
              ? reply(200, { KeyMetadata: { KeyId: input.KeyId, KeyState: 'Enabled' } })
              : reply(400, { __type: 'NotFoundException', message: `key ${String(input.KeyId)} does not exist` });
          default:
            return reply(400, { __type: 'UnknownOperationException', message: target });
        }
      } catch (error) {
        return reply(400, { __type: (error as Error).name, message: (error as Error).message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    targets,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
