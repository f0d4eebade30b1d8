import { http } from '../../shared/platform/http';
import { docsContract } from '../../shared/platform/contracts';
import { docsPage, docsPagePolicy } from '../../shared/platform/docs-page';

export const handler = http(docsContract, async () => ({
  status: 200,
  raw: docsPage,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'public, max-age=300',
    'content-security-policy': docsPagePolicy,
  },
}));
