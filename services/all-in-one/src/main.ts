import { startAllInOne } from './bootstrap.js';

// All six prm services in one process: `make demo`, browser tests and small installations.
await startAllInOne(process.env);
