import { once } from '../platform/config';
import { mainTable } from '../platform/tables';
import { lazyVault } from '../vault/default';
import { resolveAll } from './destination';
import type { WebhookDeps } from './service';
import { webhookEndpointStore } from './store';

/** Webhook endpoints' dependencies in a Lambda container, built once from its environment. */
export const webhookDeps = once((): WebhookDeps => ({ store: webhookEndpointStore(mainTable()), vault: lazyVault, resolve: resolveAll }));

/** What reading, updating and deleting endpoints need: no vault, so no grant on the key. */
export const webhookStoreDeps = once(() => ({ store: webhookEndpointStore(mainTable()), resolve: resolveAll }));
