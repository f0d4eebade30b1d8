import { eventTypes } from '../events/types';

/**
 * The event types an endpoint may subscribe to, and how a subscription matches one.
 * This file is this domain's only import of the event catalog (shared/events/), so a
 * move of the catalog is a one-line change here.
 */
export const knownEventTypes: readonly string[] = eventTypes;

/** `*`, `<group>.*` or one exact type: what an endpoint's `eventTypes` hold. */
export const eventTypeFilterPattern = /^(\*|[a-z][a-z_]*\.\*|[a-z][a-z_]*\.[a-z][a-z_]*)$/;

/** Whether a subscription (exact, `group.*` or `*`) takes events of `type`. */
export function matchesEventType(filter: string, type: string): boolean {
  if (filter === '*') return true;
  if (filter.endsWith('.*')) return type.startsWith(filter.slice(0, -1));
  return filter === type;
}

/** Whether a filter selects at least one event type that exists (a typo selects none, and is refused). */
export const selectsKnownType = (filter: string) => knownEventTypes.some((type) => matchesEventType(filter, type));
