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
  summary: 'The API reference, rendered from the OpenAPI document',
  tag,
  scope: null,
  responses: { 200: { description: 'An HTML page', contentType: 'text/html' } },
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
