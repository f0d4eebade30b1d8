import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import { generate } from 'selfsigned';

/**
 * A fake provider (plain HTTP on loopback) reached over HTTPS, as the runtime's functions
 * reach every integration: URL templates are always https (shared/integrations/templates.ts).
 * TLS ends here, with a self-signed certificate for 127.0.0.1, and the bytes go on to the
 * fake unchanged. `caPem` is the certificate for OUTBOUND_CA_FILE (see `trust`).
 */
export interface TlsFront {
  url: string;
  caPem: string;
  close(): Promise<void>;
}

/**
 * One certificate for every front: a trust store finds an issuer by its subject, so two
 * self-signed certificates of the same name (the authorization server's is `127.0.0.1`)
 * would hide each other. This one has a name of its own.
 */
let certificate: ReturnType<typeof generate> | undefined;

export async function behindTls(target: { url: string }): Promise<TlsFront> {
  certificate ??= generate([{ name: 'commonName', value: 'junction-test-providers' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  const pems = await certificate;
  const port = Number(new URL(target.url).port);
  const open = new Set<{ destroy(): void }>();
  const server = createServer({ key: pems.private, cert: pems.cert }, (secure) => {
    const plain = connect(port, '127.0.0.1');
    open.add(secure).add(plain);
    secure.pipe(plain).pipe(secure);
    const end = () => {
      secure.destroy();
      plain.destroy();
      open.delete(secure);
      open.delete(plain);
    };
    secure.on('close', end);
    plain.on('close', end);
    secure.on('error', end);
    plain.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caPem: pems.cert,
    // Keep-alive connections from the functions would hold the server open.
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Lets the runtime's functions reach loopback servers over TLS with these certificates:
 * set before the first function that calls out starts (its container reads them then).
 */
export function trust(pems: string[]) {
  const file = join(mkdtempSync(join(tmpdir(), 'junction-ca-')), 'ca.pem');
  writeFileSync(file, [...new Set(pems)].join('\n'));
  process.env.OUTBOUND_ALLOWED_NETWORKS = '127.0.0.0/8';
  process.env.OUTBOUND_CA_FILE = file;
}
