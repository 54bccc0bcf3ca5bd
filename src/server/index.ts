export { buildApp, DEFAULT_MAX_BODY_BYTES, type AppOptions } from './app.js';
export { startServer, type ServeOptions, type RunningServer } from './serve.js';
export { statusFor } from './http-status.js';
