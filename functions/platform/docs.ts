import openApiDocument from '#openapi-document';
import { http } from '../../shared/platform/http';
import { docsContract } from '../../shared/platform/contracts';
import { once } from '../../shared/platform/config';
import { renderDocsPage } from '../../shared/platform/docs-page';

const page = once(() => renderDocsPage(openApiDocument as Parameters<typeof renderDocsPage>[0]));

export const handler = http(docsContract, async () => ({
  status: 200,
  raw: page(),
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'public, max-age=300',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  },
}));
