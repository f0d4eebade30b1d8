import { defineContract } from '../platform/contract';
import { page } from '../platform/pagination';
import {
  Connection,
  ConnectionDeleted,
  ConnectionHealthView,
  ConnectionInput,
  ConnectionListQuery,
  ConnectionPatch,
  ConnectionPath,
  TestOutcome,
} from './schema';

const tag = 'Connections';

export const createConnectionContract = defineContract({
  summary: 'Create a connection; its credentials are encrypted before they are stored',
  tag,
  scope: 'write',
  audit: 'connection.create',
  body: ConnectionInput,
  responses: { 201: { description: 'The connection (never its credentials)', schema: Connection } },
});

export const listConnectionsContract = defineContract({
  summary: 'List connections, newest first; filter by integration and status',
  tag,
  scope: 'read',
  query: ConnectionListQuery,
  responses: { 200: { description: 'A page of connections', schema: page(Connection) } },
});

export const getConnectionContract = defineContract({
  summary: 'Show one connection (its ETag is the version for If-Match)',
  tag,
  scope: 'read',
  path: ConnectionPath,
  responses: { 200: { description: 'The connection', schema: Connection } },
});

export const updateConnectionContract = defineContract({
  summary: 'Update name, params or credentials; needs If-Match with the current version',
  tag,
  scope: 'write',
  audit: 'connection.update',
  path: ConnectionPath,
  body: ConnectionPatch,
  responses: {
    200: { description: 'The connection, at its new version', schema: Connection },
    412: { description: 'The version moved on; read it again' },
    428: { description: 'If-Match is missing' },
  },
});

export const deleteConnectionContract = defineContract({
  summary: 'Delete a connection and destroy its encrypted credentials; OAuth grants are revoked at the provider first',
  tag,
  scope: 'write',
  audit: 'connection.delete',
  path: ConnectionPath,
  responses: { 200: { description: 'Deleted, and what became of its OAuth grant', schema: ConnectionDeleted } },
});

export const connectionHealthContract = defineContract({
  summary: 'How a connection is doing: status, last success and failure, token expiry, last sync, and a 0–100 score with its reasons',
  tag,
  scope: 'read',
  path: ConnectionPath,
  responses: { 200: { description: 'Its health', schema: ConnectionHealthView } },
});

export const testConnectionContract = defineContract({
  summary: "Call the integration's check endpoint with the stored credentials and record the outcome",
  tag,
  scope: 'write',
  audit: 'connection.test',
  path: ConnectionPath,
  responses: {
    200: { description: 'What the provider said', schema: TestOutcome },
    502: {
      description: "An OAuth connection's token could not be refreshed: the provider's token endpoint failed, or another refresh did not finish in time (retry after Retry-After)",
    },
  },
});
