import { SuiteInvalidError } from '../errors.js';
import { EXPECTATIONS } from './catalogue.js';
import type { AggregateExpectation, MapExpectation } from './definition.js';

const TYPE_NAME = /^[a-z][a-z0-9_]{0,199}$/;

/**
 * Add an expectation written in TypeScript to the catalogue, so suites can name it by
 * `type`. Its definition builds SQL as the built-ins do (`defineMap` for a per-row check,
 * which gates can quarantine by; `defineAggregate` for one on the data as a whole). A column
 * it names that the data lacks is a QUALITY_COLUMN_NOT_FOUND error when a suite runs.
 */
export function registerExpectation<K>(type: string, definition: MapExpectation<K> | AggregateExpectation<K>): void {
  if (!TYPE_NAME.test(type))
    throw new SuiteInvalidError(
      `The expectation type ${JSON.stringify(type)} is not a valid name`,
      type,
      'Use lower-case letters, digits and _, starting with a letter.',
    );
  if (EXPECTATIONS.has(type))
    throw new SuiteInvalidError(
      `An expectation of type ${type} already exists`,
      type,
      'Give the custom expectation a name of its own (a prefix such as `mycompany_` keeps it apart from GE names).',
    );
  (EXPECTATIONS as Map<string, unknown>).set(type, { ...definition, custom: true });
}
