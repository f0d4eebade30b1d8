import openApiDocument from '#openapi-document';
import { http } from '../../shared/platform/http';
import { openApiContract } from '../../shared/platform/contracts';

export const handler = http(openApiContract, async () => ({
  status: 200,
  body: openApiDocument,
  headers: { 'cache-control': 'public, max-age=300' },
}));
