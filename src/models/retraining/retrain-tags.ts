/** The tags a retraining puts on the new version's run and on the version itself. */
export const RETRAIN_TAGS = {
  /** `promoted`, `rejected` or `failed`. */
  outcome: 'aquifer.retrain.outcome',
  reason: 'aquifer.retrain.reason',
  /** What started it: `manual`, or a monitor's name. */
  trigger: 'aquifer.retrain.trigger',
  /** The alias challenged, and the version it pointed at when retraining started. */
  alias: 'aquifer.retrain.alias',
  previousVersion: 'aquifer.retrain.previous_version',
  /** The saved training set whose definition was refreshed for the run. */
  refreshedFrom: 'aquifer.retrain.refreshed_from',
  metric: 'aquifer.retrain.metric',
  candidateValue: 'aquifer.retrain.holdout_value',
  previousValue: 'aquifer.retrain.previous_holdout_value',
  /** `table@version` of the holdout both versions were scored on. */
  holdout: 'aquifer.retrain.holdout',
} as const;
