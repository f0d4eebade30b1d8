import { readInboundPayloadContract } from '../../shared/inbound/contracts';
import { inboundPayloadDeps } from '../../shared/inbound/deps';
import { readInboundPayload } from '../../shared/inbound/service';
import { http } from '../../shared/platform/http';

export const handler = http(readInboundPayloadContract, async ({ principal, path }) => {
  const { body, contentType } = await readInboundPayload(inboundPayloadDeps(), principal.tenantId, path.id, path.eventId);
  // As bytes: the provider's body, not ours to re-encode. An attachment, so a browser never renders it as this API's page.
  return { status: 200, bytes: body, headers: { 'content-type': contentType ?? 'application/octet-stream', 'content-disposition': 'attachment' } };
});
