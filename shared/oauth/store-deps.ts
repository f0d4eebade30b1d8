import { once } from '../platform/config';
import { mainTable } from '../platform/tables';
import { oauthStore } from './store';

/**
 * What a function that touches only OAuth's own items needs (reading a session, reading or
 * removing a client): the store alone, without the vault, connections or the token client.
 */
export const oauthStoreDeps = once(() => ({ store: oauthStore(mainTable()) }));
