// Worker threads start without the TypeScript loader the main thread has: register it, then
// run the worker module.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
