import { checkDrift } from '../checks/drift.js';
import { checkFreshness } from '../checks/freshness.js';
import { checkModelDrift } from '../checks/model-drift.js';
import { checkQuality } from '../checks/quality.js';
import { checkQuarantineRate } from '../checks/quarantine-rate.js';
import { checkSchema } from '../checks/schema.js';
import { checkVolume } from '../checks/volume.js';
import type { CheckContext, CheckOutcome } from '../checks/check.js';
import type { MonitorDefinition } from './definition.js';

/** The check of the monitor's kind. */
export function runCheck(monitor: MonitorDefinition, context: CheckContext): Promise<CheckOutcome> {
  switch (monitor.kind) {
    case 'freshness':
      return checkFreshness(monitor, context);
    case 'volume':
      return checkVolume(monitor, context);
    case 'schema':
      return checkSchema(monitor, context);
    case 'quarantine_rate':
      return checkQuarantineRate(monitor, context);
    case 'quality':
      return checkQuality(monitor, context);
    case 'drift':
      return checkDrift(monitor, context);
    case 'model_drift':
      return checkModelDrift(monitor, context);
  }
}
