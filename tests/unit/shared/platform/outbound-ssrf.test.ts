import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { send } from '../../../../shared/platform/outbound';

// No OUTBOUND_ALLOWED_NETWORKS here: loopback is forbidden, as in production.
it('refuses a host name that resolves to a forbidden address, before any request is sent', async () => {
  delete process.env.OUTBOUND_ALLOWED_NETWORKS;
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.end('secret metadata');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await expect(send({ method: 'GET', url: `http://localhost:${port}/` })).rejects.toThrow(
      'localhost resolves to a forbidden address',
    );
    expect(hits).toBe(0);
  } finally {
    server.close();
  }
});
