import type { Engine } from '../engine/index.js';
import type { FeatureStore } from '../features/index.js';
import {
  datasetColumnTags,
  featureTags,
  maskLineageAnswer,
  maskOnlineAnswer,
  Masking,
  readsClear,
  type FeatureTags,
  type Reader,
  type ValueMasker,
} from '../governance/index.js';
import type { OpenLineageRunEvent } from '../lineage/index.js';
import type { Project } from '../project/index.js';

/** How long the features' tags are kept before the source tables are read again: a tag set with `aquifer table tag` masks lookups within this. */
const TAGS_REFRESH_MS = 5_000;

/**
 * Masking of what the server answers, for callers without the `pii` scope: one per server,
 * holding the project's key and the features' tags. The tags come from the definitions and
 * the source tables' metadata, read again every few seconds rather than on each lookup, the
 * latency-critical route.
 */
export class ResponseMasking {
  readonly masking: Masking;
  private tags: { store: FeatureStore; at: number; value: Promise<FeatureTags> } | undefined;
  private datasetTags: { at: number; value: Promise<Map<string, string[]>> } | undefined;

  constructor(
    private readonly project: Project,
    private readonly engine: Engine,
  ) {
    this.masking = Masking.forProject(project);
  }

  /** The value masker for this caller; undefined when the caller sees clear values. */
  masker(reader: Reader | undefined): Promise<ValueMasker | undefined> {
    return this.masking.valueMasker(reader);
  }

  /** An online answer (Feast's shape) as this caller may see it. */
  async onlineAnswer<T extends { metadata: { feature_names: string[] }; results: { values: unknown[] }[] }>(
    store: FeatureStore,
    answer: T,
    reader: Reader | undefined,
  ): Promise<T> {
    if (readsClear(reader)) return answer;
    const tags = await this.featureTags(store);
    // Nothing the definitions serve is tagged: the answer goes as it is, without the key.
    if (![...tags.features.values(), ...tags.keys.values()].some((c) => this.masking.strategy(c.tags) !== undefined)) return answer;
    const mask = await this.masker(reader);
    return mask === undefined ? answer : maskOnlineAnswer(answer, tags, mask);
  }

  /** A lineage answer as this caller may see it: column statistics of tagged columns left out. */
  async lineageAnswer(answer: unknown, reader: Reader | undefined, events: () => Promise<readonly OpenLineageRunEvent[]>): Promise<unknown> {
    if (readsClear(reader)) return answer;
    const now = Date.now();
    if (this.datasetTags === undefined || now - this.datasetTags.at >= TAGS_REFRESH_MS) {
      const value = events().then((e) => datasetColumnTags(this.project, this.engine, e));
      this.datasetTags = { at: now, value };
      value.catch(() => {
        if (this.datasetTags?.value === value) this.datasetTags = undefined;
      });
    }
    const tags = await this.datasetTags.value;
    if (tags.size === 0) return answer;
    return maskLineageAnswer(answer, tags, (t) => this.masking.strategy(t) !== undefined);
  }

  private featureTags(store: FeatureStore): Promise<FeatureTags> {
    const now = Date.now();
    if (this.tags === undefined || this.tags.store !== store || now - this.tags.at >= TAGS_REFRESH_MS) {
      const value = featureTags(this.project, this.engine, store.repository);
      this.tags = { store, at: now, value };
      value.catch(() => {
        if (this.tags?.value === value) this.tags = undefined;
      });
    }
    return this.tags.value;
  }
}
