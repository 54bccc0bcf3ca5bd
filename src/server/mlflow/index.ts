export { registerMlflowRoutes } from './register.js';
export { mlflowErrorBody, isMlflowPath, type MlflowErrorBody } from './errors.js';
export { MLFLOW_ENDPOINTS, MLFLOW_ROUTES, MLFLOW_GROUP } from './endpoints.js';
export type { MlflowContext, MlflowEndpoint } from './endpoint.js';
