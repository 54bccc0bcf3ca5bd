export { AUDIT_LOG_SCHEMA, type AuditEntry, type AuditPrincipalKind, type AuditWrite } from './audit-entry.js';
export { AuditLog, auditLogLocation, DEFAULT_AUDIT_LIMIT, type AuditLogFilter } from './audit-log.js';
export { auditEnabled, auditTableName, recordAudit, type AuditRecorder, type RecordAuditOptions } from './audit-recorder.js';
export { AuditScope, collectAuditWrites, collectEveryWrite, currentAuditScope, runInAuditScope, withAuditScope } from './audit-scope.js';
