import type { Asset } from '../definition.js';

export type IngestAsset = Extract<Asset, { kind: 'ingest' }>;

/** The input an ingest asset is judged on: its files, by their patterns (`files:landing/*.csv`). */
export function filesInput(asset: IngestAsset): string {
  return `files:${(typeof asset.files === 'string' ? [asset.files] : asset.files).join(',')}`;
}
