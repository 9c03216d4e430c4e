// Worker threads start without the TypeScript loader the main thread has. tsx's CommonJS hook
// compiles in this thread, where its ESM loader would start a loader thread of its own (about
// a quarter of a second more for every worker), so the worker's modules are required through it.
require('tsx/cjs/api').register();
require('./worker.ts');
