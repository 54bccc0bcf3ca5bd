import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { IngestTarget, kafkaAppId, type RawRecord } from '../../src/ingest/index.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
});
afterAll(() => engine.close());

const record = (partition: number, offset: number): RawRecord => ({
  payload: JSON.stringify({ id: offset }),
  source: { kind: 'kafka', topic: 'clicks', partition, offset: String(offset) },
  position: { appId: kafkaAppId('clicks', partition), version: offset },
});

describe('a batch written after another writer took some of its positions', () => {
  it('writes only the records past the table’s positions and says what those positions were', async () => {
    const target = await IngestTarget.open(path.join(await tempDir('aquifer-positions-'), 'events'), { engine, createIfMissing: {} });
    // Another writer (a zombie consumer after a rebalance) already committed offsets 0-2 of partition 0.
    const first = await target.writeJson(
      [0, 1, 2].map((o) => record(0, o)),
      [],
    );
    expect(first.positionsBefore).toEqual(new Map([[kafkaAppId('clicks', 0), -1]]));
    const second = await target.writeJson([...[0, 1, 2, 3, 4].map((o) => record(0, o)), record(1, 0)], []);
    expect(second.accepted).toBe(3);
    expect(second.positionsBefore).toEqual(
      new Map([
        [kafkaAppId('clicks', 0), 2],
        [kafkaAppId('clicks', 1), -1],
      ]),
    );
  });
});
