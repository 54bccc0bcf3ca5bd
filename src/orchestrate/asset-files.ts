import { promises as fs } from 'node:fs';
import path from 'node:path';
import { firstIssue, type Project } from '../project/index.js';
import { assetFileSchema, type Asset } from './definition.js';
import { AssetDefinitionInvalidError, AssetDuplicateError } from './errors.js';

/** Where a project keeps its asset definitions: `pipelines/*.json`, each `{ "assets": [...] }`. */
export const PIPELINES_DIR = 'pipelines';
/** An asset file larger than this is refused before it is parsed. */
export const MAX_ASSET_FILE_BYTES = 1024 * 1024;
/** The most asset files a project may have. */
export const MAX_ASSET_FILES = 1000;
/** The most assets a project may define, all files together. */
export const MAX_ASSETS = 10_000;

/**
 * Every asset of the project, in file then definition order, each checked against the schema
 * (a typed error names the file and field) and no two with the same name (compared without
 * case, as SQL compares table names). Dependencies are checked by assetGraph.
 */
export async function readAssets(project: Project): Promise<Asset[]> {
  const dir = path.join(project.root, PIPELINES_DIR);
  const names = await fs.readdir(dir).catch((error: unknown) => {
    if ((error as { code?: string }).code === 'ENOENT') return [] as string[];
    throw error;
  });
  const files = names.filter((n) => n.endsWith('.json')).sort();
  if (files.length > MAX_ASSET_FILES)
    throw new AssetDefinitionInvalidError(PIPELINES_DIR, '(the folder)', `holds ${files.length} files, over the limit of ${MAX_ASSET_FILES}`);
  const assets: Asset[] = [];
  const seen = new Map<string, Asset>();
  for (const name of files) {
    for (const asset of await readAssetFile(path.join(dir, name))) {
      const key = asset.name.toLowerCase();
      const known = seen.get(key);
      if (known !== undefined) throw new AssetDuplicateError(asset.name, known.file === asset.file ? [asset.file] : [known.file, asset.file]);
      seen.set(key, asset);
      assets.push(asset);
      if (assets.length > MAX_ASSETS) throw new AssetDefinitionInvalidError(PIPELINES_DIR, '(the folder)', `defines more than ${MAX_ASSETS} assets`);
    }
  }
  return assets;
}

/** Read and check one asset file. */
export async function readAssetFile(file: string): Promise<Asset[]> {
  const label = path.join(PIPELINES_DIR, path.basename(file));
  const stat = await fs.stat(file);
  if (stat.size > MAX_ASSET_FILE_BYTES)
    throw new AssetDefinitionInvalidError(label, '(the whole document)', `is ${stat.size} bytes, over the ${MAX_ASSET_FILE_BYTES}-byte limit`);
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
  } catch {
    throw new AssetDefinitionInvalidError(label, '(the whole document)', 'is not valid JSON');
  }
  const parsed = assetFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error, { intoUnions: true });
    throw new AssetDefinitionInvalidError(label, issue.path, issue.message);
  }
  return parsed.data.assets.map((asset) => ({ ...asset, file: label }));
}
