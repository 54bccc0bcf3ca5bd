import type { RouteSpec } from '../pipeline/routes.js';
import { ARTIFACT_ENDPOINTS } from './artifacts.js';
import type { MlflowEndpoint } from './endpoint.js';
import { EXPERIMENT_ENDPOINTS } from './experiments.js';
import { LOGGED_MODEL_ENDPOINTS } from './logged-models.js';
import { MODEL_VERSION_ENDPOINTS } from './model-versions.js';
import { REGISTERED_MODEL_ENDPOINTS } from './registered-models.js';
import { RUN_ENDPOINTS } from './runs.js';

/** Every MLflow endpoint the server answers (docs/models.md lists them). */
export const MLFLOW_ENDPOINTS: readonly MlflowEndpoint[] = [
  ...EXPERIMENT_ENDPOINTS,
  ...RUN_ENDPOINTS,
  ...LOGGED_MODEL_ENDPOINTS,
  ...REGISTERED_MODEL_ENDPOINTS,
  ...MODEL_VERSION_ENDPOINTS,
  ...ARTIFACT_ENDPOINTS,
];

const JSON_TYPES = ['application/json'] as const;

export const MLFLOW_GROUP = 'MLflow tracking and model registry REST API: /api/2.0/mlflow/…, /api/2.0/mlflow-artifacts/… (see docs/models.md)';

/**
 * The endpoints as the pipeline sees them. Scoped tokens name tables and feature views, none
 * of which an MLflow call touches, so a scoped token is refused here (an empty name list).
 */
export const MLFLOW_ROUTES: readonly RouteSpec[] = MLFLOW_ENDPOINTS.map((e) => ({
  method: e.method,
  path: e.path,
  role: e.role,
  contentTypes: e.body === 'json' ? JSON_TYPES : [],
  ...(e.body === 'bytes' ? { rawBody: true } : {}),
  group: MLFLOW_GROUP,
  summary: e.summary,
  scopeNames: () => [],
}));
