// Audit log (audit_event): migrations and repositories of this area.
import { AuditLog1764900000000 } from './audit.migration.js';
import { AuditRepository } from './audit.repository.js';

export const AUDIT_ENTITIES: (new () => object)[] = [];
export const AUDIT_MIGRATIONS = [AuditLog1764900000000];
export const AUDIT_REPOSITORIES = [AuditRepository];
