import { once } from '../platform/config';
import { mainTable } from '../platform/tables';
import type { EventDeps } from './service';
import { eventStore } from './store';

/** The event log's dependencies in a Lambda container, built once. */
export const eventDeps = once((): EventDeps => ({ store: eventStore(mainTable()) }));
