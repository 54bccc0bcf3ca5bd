import { AquiferError } from '../../errors.js';
import { checkArtifactPath } from '../../models/index.js';
import { EMPTY, type MlflowEndpoint } from './endpoint.js';

const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';

/**
 * MLflow's artifact proxy: `mlflow-artifacts:/<path>` URIs resolve against the tracking
 * server to these paths, and the path is the same one under the project's artifact root
 * (`artifactsLocation`: beside the tables on object storage, else `.aquifer/artifacts`). Paths
 * with `.` or `..` segments are refused by the pipeline (canonical-path.ts) and again by
 * the artifact store.
 */
export const ARTIFACT_ENDPOINTS: MlflowEndpoint[] = [
  {
    method: 'GET',
    path: ARTIFACTS,
    role: 'reader',
    body: 'none',
    summary: 'list an artifact folder (?path=<exp>/<run>/artifacts/…)',
    handle: async ({ fields }, context) => {
      const folder = (fields.optString('path') ?? '').replace(/^\/+/, '');
      const entries = await context.artifacts.list(folder === '' ? '' : checkArtifactPath(folder));
      const files = entries.map((e) => (e.isDir ? { path: e.path, is_dir: true } : { path: e.path, is_dir: false, file_size: e.size ?? 0 }));
      return files.length === 0 ? EMPTY : { files };
    },
  },
  {
    method: 'GET',
    path: `${ARTIFACTS}/*path`,
    role: 'reader',
    body: 'none',
    summary: "download an artifact's bytes",
    handle: async ({ params }, context) => context.artifacts.get(params['path'] as string),
  },
  {
    method: 'PUT',
    path: `${ARTIFACTS}/*path`,
    role: 'writer',
    body: 'bytes',
    summary: 'upload an artifact (any content type, the bytes as sent)',
    handle: async ({ params, body, signal }, context) => {
      signal?.throwIfAborted();
      await context.artifacts.put(params['path'] as string, body);
      return EMPTY;
    },
  },
  ...(['create', 'complete', 'abort'] as const).map((step): MlflowEndpoint => ({
    method: 'POST',
    path: `/api/2.0/mlflow-artifacts/mpu/${step}/*path`,
    role: 'writer',
    body: 'json',
    summary: `multipart upload ${step}: 501 NOT_IMPLEMENTED, as MLflow answers for a local artifact store (the client then PUTs the file)`,
    handle: ({ params }) => {
      // The path is checked as an upload's would be, so a bad path is still a 400.
      checkArtifactPath(params['path'] as string);
      return Promise.reject(
        new AquiferError('MODEL_ARTIFACT_MULTIPART_UNSUPPORTED', 'Multipart upload is not supported for the current artifact repository', {
          hint: 'Upload the file with one PUT (raise server.limits.bodyBytes for large files).',
        }),
      );
    },
  })),
  {
    method: 'GET',
    path: '/api/3.0/mlflow/server-info',
    role: 'reader',
    body: 'none',
    summary: 'what the server supports (no multipart uploads: an artifact is one PUT)',
    handle: () =>
      Promise.resolve({
        store_type: 'SqlStore',
        workspaces_enabled: false,
        trace_archival_enabled: false,
        multipart_uploads_enabled: false,
        multipart_downloads_enabled: false,
      }),
  },
];
