import { AquiferError } from '../../errors.js';
import type { Engine } from '../../engine/index.js';
import { DeltaTable, type OpenOptions } from '../../table/index.js';
import type { FeatureRepository, FeatureView } from '../definitions/definitions.js';
import { checkKeySize, entityKey, type OnlineRow, type OnlineStore } from '../online/online-store.js';
import { pushRows, type PushColumn } from './push-values.js';

export const PUSH_TARGETS = ['online', 'offline', 'online_and_offline'] as const;
export type PushTarget = (typeof PUSH_TARGETS)[number];

/** Feast's push: rows for one feature view, column-wise, to the online store, its table or both. */
export interface PushRequest {
  /** The feature view (Feast's `push_source_name`). */
  view: string;
  /** Each column's values, one per row (Feast's `df`): the view's join keys, event time (and created time), features. */
  columns: Readonly<Record<string, readonly unknown[]>>;
  /** `online` by default, as Feast. */
  to?: PushTarget;
  /**
   * Abandons the push while nothing is written yet (checked before the table's commit and
   * before the online write); once the table's commit has started, the online write follows.
   */
  signal?: AbortSignal;
}

export interface PushResult {
  pushed: number;
  to: PushTarget;
  /** Rows that replaced or added an online row (older ones are kept out, as materialization does). */
  onlineWritten?: number;
  /** The view's table version holding the rows, when pushed offline. */
  tableVersion?: number;
}

export interface PushContext {
  engine: Engine;
  repository: FeatureRepository;
  online: () => OnlineStore;
  tablePath: (view: FeatureView) => string;
  /** The project's stores, which the view's table is opened through. */
  stores?: OpenOptions['stores'];
}

/**
 * Push rows into a feature view. Every value is checked against the view's definition
 * (entity key types, feature types, an ISO 8601 event time) and every key against the
 * online store's key size before anything is written, so a refused push writes nothing.
 * Aggregation views are refused: their online state is tiles folded from the source
 * table's commits, and a pushed row would replace an entity's windows. Their events go
 * into the source table (POST /v1/ingest/{table}), which `aggregate` folds in.
 */
export async function pushToView(context: PushContext, request: PushRequest): Promise<PushResult> {
  const to = request.to ?? 'online';
  const view = context.repository.featureViews.find((v) => v.name === request.view);
  if (view === undefined) {
    const names = context.repository.featureViews.map((v) => v.name);
    throw new AquiferError('FEATURE_NOT_FOUND', `No feature view '${request.view}' to push to`, {
      value: request.view,
      hint: names.length === 0 ? 'Define feature views first.' : `Push to one of: ${names.join(', ')}.`,
    });
  }
  if (view.aggregation !== undefined) {
    throw new AquiferError(
      'FEATURE_PUSH_UNSUPPORTED',
      `Feature view '${view.name}' is an aggregation view: its windows are folded from its table, not pushed`,
      {
        value: view.name,
        hint: `Send the events to its source table instead (POST /v1/ingest/${view.source.table}); they are folded into the windows as the table is aggregated.`,
      },
    );
  }
  if (to !== 'online' && view.transformation !== undefined) {
    throw new AquiferError(
      'FEATURE_PUSH_UNSUPPORTED',
      `Feature view '${view.name}' has a transformation: its table holds the rows before it, not the features pushed`,
      { value: view.name, hint: `Push to: online, or write the source rows to '${view.source.table}'.` },
    );
  }
  const keyColumns: PushColumn[] = view.entities.flatMap((name) =>
    (context.repository.entities.find((e) => e.name === name)?.joinKeys ?? []).map((k) => ({ name: k.name, type: k.type, required: true })),
  );
  const columns: PushColumn[] = [
    ...keyColumns,
    { name: view.source.timestampField, type: 'event_time', required: true },
    ...(view.source.createdTimestampField === undefined ? [] : [{ name: view.source.createdTimestampField, type: 'event_time' as const, required: false }]),
    ...view.features.map((f) => ({ name: f.name, type: f.type, required: false })),
  ];
  const rows = pushRows(view.name, columns, request.columns);
  const onlineRows: OnlineRow[] = rows.map((row) => {
    const key = entityKey(keyColumns.map((k) => row[k.name]));
    checkKeySize(view.name, key);
    const created = view.source.createdTimestampField === undefined ? undefined : row[view.source.createdTimestampField];
    return {
      key,
      eventTs: Date.parse(String(row[view.source.timestampField])),
      ...(typeof created === 'string' ? { createdTs: Date.parse(created) } : {}),
      values: Object.fromEntries(view.features.map((f) => [f.name, row[f.name] ?? null])),
    };
  });
  const online = to === 'offline' ? undefined : context.online();
  const result: PushResult = { pushed: rows.length, to };
  const signal = request.signal;
  if (to !== 'online' && rows.length > 0) {
    // Through the table API: the rows are read with the table's types and its schema enforced.
    const table = await DeltaTable.open(context.tablePath(view), { engine: context.engine, stores: context.stores });
    result.tableVersion = (await table.append({ rows }, signal === undefined ? {} : { signal })).version;
  } else signal?.throwIfAborted();
  if (online !== undefined) result.onlineWritten = await online.write(view.name, onlineRows);
  return result;
}
