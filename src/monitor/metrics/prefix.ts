/** Every metric name starts with it. */
export const METRICS_PREFIX = 'aquifer_';
