/** HTTP status for an error code: the one place codes become statuses. */
export function statusFor(code: string): number {
  if (code === 'HTTP_BODY_TOO_LARGE') return 413;
  if (code === 'HTTP_UNSUPPORTED_MEDIA_TYPE') return 415;
  if (code === 'HTTP_NOT_FOUND' || code === 'TABLE_NOT_FOUND' || code === 'PROJECT_NOT_FOUND' || code === 'FEATURE_NOT_FOUND') return 404;
  if (code === 'COMMIT_CONFLICT' || code === 'TABLE_ALREADY_EXISTS') return 409;
  if (code.startsWith('HTTP_') || code === 'FEATURE_REQUEST_INVALID' || code === 'FEATURE_DEFINITION_INVALID' || code === 'PROJECT_TABLE_NAME_INVALID' || code === 'TABLE_SCHEMA_MISMATCH' || code === 'TABLE_PREDICATE_INVALID') return 400;
  if (code === 'TABLE_FEATURE_UNSUPPORTED' || code === 'TABLE_PROTOCOL_UNSUPPORTED') return 422;
  return 500;
}
