import { writeFileSync } from 'node:fs';
import openApiDocument from '../functions/platform/openapi-document';

/**
 * `node --import tsx infra/openapi-file.ts FILE`: writes the OpenAPI document the API
 * serves at /openapi.json, built from the declaration without starting a server, so
 * `npm run sdk:generate` can hand it to openapi-typescript.
 */
export const openApiText = () => `${JSON.stringify(openApiDocument, null, 2)}\n`;

const [file] = process.argv.slice(2);
if (import.meta.url === `file://${process.argv[1]}`) {
  if (!file) throw new Error('usage: infra/openapi-file.ts FILE');
  writeFileSync(file, openApiText());
}
