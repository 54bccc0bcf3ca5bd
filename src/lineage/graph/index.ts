export { LineageGraph, type RunDataset, type RunRecord, type TableRecord } from './lineage-graph.js';
export { NUMBER_LISTS, type GraphState } from './graph-state.js';
export { graphRun, type GraphColumnRef, type GraphDataset, type GraphRange, type GraphRun } from './graph-run.js';
export type { LineageEdge, LineageNode, LineageNodeType, LineageResult } from './lineage-node.js';
export { downstream, impact, upstream } from './queries.js';
export { nodeLabel, renderDot, renderSvg, renderTree, resultRoots, type LineageDirection } from './render.js';
