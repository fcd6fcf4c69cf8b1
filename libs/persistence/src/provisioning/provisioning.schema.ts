// Provisioning saga log (provisioning_run, provisioning_step): migrations and repositories of this area, collected
// here so data-source.ts and the module need one line each. The repository uses parameterized SQL (no entities).
import { Provisioning1764700000000 } from './1764700000000-provisioning.js';
import { ProvisioningRunRepository } from './provisioning-run.repository.js';

export const PROVISIONING_ENTITIES: (new () => object)[] = [];
export const PROVISIONING_MIGRATIONS: (new () => object)[] = [Provisioning1764700000000];
export const PROVISIONING_REPOSITORIES: (new (...args: never[]) => object)[] = [ProvisioningRunRepository];
