import { buildCheckRequest, checkSucceeded, validateConnection } from '../integrations/service';
import { findTenantIntegration, type IntegrationSource } from '../integrations/tenant-catalog';
import type { IntegrationPort } from './service';

/**
 * Connections' view of a tenant's integrations. `find` reads the tenant's own integrations
 * only for a key that is not built in; the service calls it at most once per request and
 * asks the rules it answers everything else.
 */
export function catalogPort(source: IntegrationSource): IntegrationPort {
  return {
    async find(tenantId, key) {
      const definition = await findTenantIntegration(source, tenantId, key);
      if (!definition) return undefined;
      return {
        definition,
        custom: !source.builtIns.includes(definition),
        check(input) {
          const { authType, errors } = validateConnection(definition, input);
          // The integration module names fields from the connection's point of view; the API's
          // field errors are rooted at the request body.
          return { authType, errors: errors.map((e) => ({ ...e, field: `body.${e.field}` })) };
        },
        checkRequest: (connection, credentials) => buildCheckRequest(definition, connection.authType, connection.params, credentials),
        checkSucceeded: (response) => checkSucceeded(definition, response),
      };
    },
  };
}
