/*
 * The entry of a function's container (a worker thread, see functions.ts). Plain
 * JavaScript, since a worker starts without the loader of the process that made it
 * (jest has none; `npm start` has tsx, but the host starts workers without its flags, so
 * both start alike): it registers tsx for the container's own few modules, which then
 * load the function's bundle.
 */
import module from 'node:module';
import { register } from 'tsx/esm/api';

// Every container of a function compiles the same bundle: V8's code cache on disk spares
// the compiling after the first.
module.enableCompileCache();
register();
await import('./function-container.ts');
