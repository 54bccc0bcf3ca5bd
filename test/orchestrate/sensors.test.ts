import { describe, expect, it } from 'vitest';
import type { ResolvedAsset } from '../../src/orchestrate/index.js';
import { readSensor } from '../../src/orchestrate/sensors.js';

const ingest = {
  name: 'events',
  kind: 'ingest',
  files: 'landing/*.csv',
  file: 'pipelines/p.json',
  dependsOn: [],
  runVersioned: [],
} as unknown as ResolvedAsset;
const FILES = 'files:landing/*.csv';
const pending = (count: number) => () => Promise.resolve(count);

describe("an ingest asset's sensor", () => {
  it('moves on files pending that differ from what it acted on, including fewer after a run loaded some while one landed', async () => {
    // A run started with 3 pending (the sensor remembers 3); it loaded them while a fourth landed: 1 pending.
    expect((await readSensor(ingest, { [FILES]: 0 }, { [FILES]: 3 }, pending(1))).moved).toEqual([FILES]);
    // More landed since it acted.
    expect((await readSensor(ingest, { [FILES]: 0 }, { [FILES]: 1 }, pending(2))).moved).toEqual([FILES]);
  });

  it('does not move on the same pending files it already acted on (a failed run is not relaunched every tick), nor on none', async () => {
    expect((await readSensor(ingest, { [FILES]: 0 }, { [FILES]: 2 }, pending(2))).moved).toEqual([]);
    expect((await readSensor(ingest, { [FILES]: 0 }, { [FILES]: 2 }, pending(0))).moved).toEqual([]);
  });
});
