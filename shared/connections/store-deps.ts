import { once } from '../platform/config';
import { mainTable } from '../platform/tables';
import { connectionStore } from './store';

/**
 * What reading connections needs in a Lambda container: the store alone. The functions
 * that only read stay free of the vault and OAuth (`connectionDeps`), and so small to start.
 */
export const connectionStoreDeps = once(() => ({ store: connectionStore(mainTable()) }));
