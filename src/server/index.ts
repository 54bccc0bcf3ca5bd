export { startServer, type ServeOptions, type RunningServer } from './serve.js';
export type { LineageEventSource } from './lineage-routes.js';
export { statusFor } from './http-status.js';
export { DEFAULT_LIMITS, type ServerLimits } from './pipeline/limits.js';
export { ROUTES, type RouteSpec } from './pipeline/routes.js';
export { TokenStore, tokenFile, type TokenInfo, type TokenRecord, type CreateTokenOptions } from './auth/token-store.js';
export { ROLES, isRole, type Role } from './auth/roles.js';
export { parseExpiry } from './auth/expiry.js';
export type { AnonymousAccess } from './auth/authenticator.js';
