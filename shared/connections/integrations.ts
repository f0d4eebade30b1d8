import { buildCheckRequest, checkSucceeded, findIntegration, validateConnection, type Catalog } from '../integrations/service';
import { builtInKeys } from '../integrations/tenant-catalog';
import type { IntegrationPort } from './service';

/** Connections' view of an integration catalog (built-ins today; tenants' own later). */
export function catalogPort(catalogFor: (tenantId: string) => Promise<Catalog>): IntegrationPort {
  return {
    async check(tenantId, input) {
      const definition = findIntegration(await catalogFor(tenantId), input.integration);
      if (!definition) return undefined;
      const { authType, errors } = validateConnection(definition, input);
      // The integration module names fields from the connection's point of view; the API's
      // field errors are rooted at the request body.
      return { authType, errors: errors.map((e) => ({ ...e, field: `body.${e.field}` })), custom: !builtInKeys.has(definition.key) };
    },
    async checkRequest(tenantId, connection, credentials) {
      const definition = findIntegration(await catalogFor(tenantId), connection.integration);
      if (!definition) throw new Error(`integration ${connection.integration} disappeared from the catalog`);
      return buildCheckRequest(definition, connection.authType, connection.params, credentials);
    },
    async checkSucceeded(tenantId, integration, response) {
      const definition = findIntegration(await catalogFor(tenantId), integration);
      return definition ? checkSucceeded(definition, response) : false;
    },
  };
}
