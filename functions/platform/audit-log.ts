import { http } from '../../shared/platform/http';
import { auditLogContract } from '../../shared/platform/contracts';
import { listAuditLog } from '../../shared/platform/audit-log';
import { mainTable } from '../../shared/platform/tables';

export const handler = http(auditLogContract, async ({ principal, query }) => ({
  status: 200,
  body: await listAuditLog(mainTable(), principal.tenantId, query),
}));
