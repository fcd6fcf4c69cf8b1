import { runService } from '@prm/observability';
import { startAllInOne } from './bootstrap.js';

// All six prm services in one process: `make demo`, browser tests and small installations.
await runService(() => startAllInOne(process.env));
