import createClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from './schema.ts';

export type { components, operations, paths };
export type JunctionClient = Client<paths>;

export interface JunctionOptions {
  /** The API's base URL, e.g. https://abc.execute-api.eu-west-1.amazonaws.com */
  url: string;
  apiKey: string;
  /** Another fetch (a test's counter, a proxy-aware one); the global fetch otherwise. */
  fetch?: typeof globalThis.fetch;
}

/**
 * The typed client: openapi-fetch over the types openapi-typescript generated from the
 * API's OpenAPI document (`npm run sdk:generate`), so every path, body and answer is
 * checked against what the server declares. Works wherever fetch does (Node, browsers).
 */
export function createJunction({ url, apiKey, fetch }: JunctionOptions): JunctionClient {
  return createClient<paths>({
    baseUrl: url.replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${apiKey}` },
    ...(fetch ? { fetch } : {}),
  });
}

export { cancelUpload, uploadFile, UploadError, type Upload, type UploadOptions, type UploadProgress, type UploadSource } from './upload.ts';
