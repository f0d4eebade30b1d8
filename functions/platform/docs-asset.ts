import { http, type HttpOutput } from '../../shared/platform/http';
import { docsAssetContract } from '../../shared/platform/contracts';
import { docsAsset } from '../../shared/platform/docs-page';

/** The file names carry no version: browsers keep a file a day, then revalidate by ETag. */
const caching = 'public, max-age=86400';

export const handler = http(docsAssetContract, async ({ path, headers }): Promise<HttpOutput> => {
  const asset = docsAsset(path.asset);
  const validators = { etag: asset.etag, 'cache-control': caching };
  if (headers['if-none-match'] === asset.etag) return { status: 304, raw: '', headers: validators };
  return { status: 200, raw: asset.body, headers: { ...validators, 'content-type': asset.contentType } };
});
