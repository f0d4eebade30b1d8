import { builtInIntegrations } from '../integrations/catalog/index';
import { once } from '../platform/config';
import { send } from '../platform/outbound';
import { mainTable } from '../platform/tables';
import { keyringFromEnv } from '../vault/keyring';
import { createVault } from '../vault/vault';
import { catalogPort } from './integrations';
import type { ConnectionDeps } from './service';

/** Connections' dependencies in a Lambda container, built once from its environment. */
export const connectionDeps = once(
  (): ConnectionDeps => ({
    ...mainTable(),
    vault: createVault(keyringFromEnv()),
    integrations: catalogPort(() => builtInIntegrations),
    send: (request) => send(request),
  }),
);
