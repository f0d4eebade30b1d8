import { AwsError, awsService, send, type AwsService, type AwsServiceOptions } from './aws-request';

/**
 * S3's REST API, for the operations Junction calls. Buckets are addressed
 * virtual-hosted (`bucket.s3.region.amazonaws.com`) in AWS and path-style
 * (`endpoint/bucket`) when `forcePathStyle` is set, as local emulators need.
 */
export interface S3 {
  /** Resolves when the bucket exists and the caller may use it. */
  headBucket(input: { Bucket: string }): Promise<void>;
}

export function createS3(options: AwsServiceOptions & { forcePathStyle?: boolean } = {}): S3 {
  let service: AwsService | undefined;
  const bucketService = (bucket: string): { service: AwsService; path: string } => {
    service ??= awsService('s3', options);
    if (options.forcePathStyle) return { service, path: `/${encodeURIComponent(bucket)}` };
    const endpoint = new URL(service.endpoint);
    endpoint.hostname = `${bucket}.${endpoint.hostname}`;
    return { service: { ...service, endpoint }, path: '/' };
  };
  return {
    async headBucket({ Bucket }) {
      const { service, path } = bucketService(Bucket);
      const response = await send(service, { method: 'HEAD', path });
      // HEAD answers carry no error document: the status is all there is.
      if (response.status !== 200) {
        const name = response.status === 404 ? 'NotFound' : response.status === 403 ? 'Forbidden' : `Http${response.status}`;
        throw new AwsError(name, `HeadBucket answered ${response.status}`, response.status);
      }
    },
  };
}
