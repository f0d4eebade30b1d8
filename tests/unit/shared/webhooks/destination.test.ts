import { checkEndpointUrl, type Resolve } from '../../../../shared/webhooks/destination';

// One loopback address opened, as a test's receiver would be; everything else as in AWS.
process.env.OUTBOUND_ALLOWED_NETWORKS = '127.0.0.2/32';

const names: Record<string, string[]> = {
  'hooks.example.com': ['93.184.215.14'],
  'rebind.example.com': ['93.184.215.14', '10.0.0.7'],
  'metadata.example.com': ['169.254.169.254'],
  'six.example.com': ['fd00::1'],
  'receiver.test': ['127.0.0.2'],
};
const resolve: Resolve = async (host) => {
  const addresses = names[host];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return addresses;
};
const check = (url: string) => checkEndpointUrl(url, resolve);

describe('where a webhook endpoint may point', () => {
  it.each(['https://hooks.example.com/junction', 'https://93.184.215.14:8443/in', 'https://[2606:2800:220:1::1]/in', 'http://receiver.test:9000/hook', 'http://127.0.0.2:9000/hook'])(
    'accepts %s',
    async (url) => {
      await expect(check(url)).resolves.toBeUndefined();
    },
  );

  it.each([
    ['loopback', 'https://127.0.0.1/hook'],
    ['loopback, hexadecimal and shortened', 'https://0x7f.1/hook'],
    ['loopback as one decimal number', 'https://2130706433/hook'],
    ['loopback, octal', 'https://0177.0.0.1/hook'],
    ['IPv6 loopback', 'https://[::1]/hook'],
    ['IPv4-mapped IPv6 loopback', 'https://[::ffff:127.0.0.1]/hook'],
    ['IPv4-mapped IPv6, private', 'https://[::ffff:10.0.0.1]/hook'],
    ['private', 'https://10.1.2.3/hook'],
    ['private 172.16/12', 'https://172.20.0.1/hook'],
    ['link-local metadata', 'http://169.254.169.254/latest/meta-data'],
    ['unique-local IPv6', 'https://[fd00::1]/hook'],
    ['this network', 'https://0.0.0.0/hook'],
  ])('refuses a literal %s address (%s)', async (_what, url) => {
    await expect(check(url)).resolves.toEqual({ field: 'body.url', message: expect.stringContaining('private, loopback or reserved') });
  });

  it.each([
    ['to metadata', 'https://metadata.example.com/'],
    ['to a private IPv6 address', 'https://six.example.com/'],
    ['to a public and a private address', 'https://rebind.example.com/'],
  ])('refuses a name that resolves %s', async (_what, url) => {
    await expect(check(url)).resolves.toEqual({ field: 'body.url', message: expect.stringContaining('resolves to a private, loopback or reserved address') });
  });

  it('refuses plain http to an address the allow-list does not open', async () => {
    await expect(check('http://hooks.example.com/junction')).resolves.toEqual({ field: 'body.url', message: 'must be an https URL' });
  });

  it.each([
    ['another scheme', 'ftp://hooks.example.com/x', 'must be an https URL'],
    ['no scheme', 'hooks.example.com/x', 'not an absolute URL'],
    ['credentials', 'https://user:pass@hooks.example.com/x', 'must not carry a user name or password'],
    ['a fragment', 'https://hooks.example.com/x#part', 'must not have a #fragment'],
    ['a name that does not resolve', 'https://nowhere.example.com/x', expect.stringContaining('does not resolve')],
  ])('refuses %s', async (_what, url, message) => {
    await expect(check(url)).resolves.toEqual({ field: 'body.url', message });
  });
});
