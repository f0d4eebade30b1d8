import * as z from 'zod';
import { defineContract, responseSchema } from './contract';
import { Health } from './health-schema';
import { AuditEntry, AuditQuery } from './audit-log';
import { Problem } from './problem';
import { page } from './pagination';

const tag = 'Platform';

export const healthContract = defineContract({
  summary: 'Status and latency of every dependency (no API key)',
  tag,
  scope: null,
  responses: {
    200: { description: 'Every dependency answers', schema: Health },
    503: { description: 'At least one dependency is down', schema: Health },
  },
});

export const openApiContract = defineContract({
  summary: 'This OpenAPI 3.1 document',
  tag,
  scope: null,
  responses: { 200: { description: 'The document', schema: responseSchema(() => z.record(z.string(), z.unknown())) } },
});

export const docsContract = defineContract({
  summary: 'The API reference: this document in Swagger UI, with try-it requests',
  tag,
  scope: null,
  responses: { 200: { description: 'An HTML page', contentType: 'text/html' } },
});

export const docsAssetContract = defineContract({
  summary: "A file the API reference page loads (the viewer's script and style sheet)",
  tag,
  scope: null,
  path: z.strictObject({ asset: z.string().max(100).meta({ description: 'The file name, as the page links it' }) }),
  responses: {
    200: { description: 'The file', contentType: 'text/*' },
    304: { description: 'The copy named in If-None-Match is current' },
    404: { description: 'The page loads no file of that name' },
  },
});

export const notFoundContract = defineContract({
  summary: 'Any path or method Junction does not serve',
  tag,
  scope: null,
  responses: {
    404: { description: 'No such route', schema: Problem },
    405: { description: 'The path exists, the method does not', schema: Problem },
  },
});

export const auditLogContract = defineContract({
  summary: 'Every mutating call, newest first: who, what, when, outcome',
  tag: 'Audit log',
  scope: 'admin',
  query: AuditQuery,
  responses: { 200: { description: 'A page of audit entries', schema: page(AuditEntry) } },
});
