import type { AssetGraph, AssetGraphNode } from './asset-graph.js';

function label(node: AssetGraphNode): string {
  const partitions =
    node.partitions === undefined
      ? ''
      : node.partitions.type === 'daily'
        ? ` [daily by ${node.partitions.column} from ${node.partitions.start}]`
        : ` [${node.partitions.values.length} partitions by ${node.partitions.column}]`;
  const schedule =
    node.schedule === undefined ? '' : ` [cron ${node.schedule.cron}${node.schedule.timezone === undefined ? '' : ` ${node.schedule.timezone}`}]`;
  const sensor = node.sensor?.onUpstreamCommit === true ? ' [on upstream commit]' : '';
  return `${node.name} (${node.kind})${partitions}${schedule}${sensor}`;
}

/**
 * The graph as a terminal tree, downstream from each node nothing feeds (source tables
 * first): a node reached a second time is named once more with "…" instead of repeating
 * what is below it.
 */
export function renderAssetTree(graph: AssetGraph): string {
  if (graph.assets.length === 0) return 'No assets (pipelines/*.json).';
  const nodes = new Map(graph.assets.map((n) => [n.name, n]));
  const children = new Map<string, string[]>();
  for (const { from, to } of graph.edges) children.set(from, [...(children.get(from) ?? []), to]);
  const roots = graph.assets.filter((n) => n.deps.length === 0).map((n) => n.name);
  const lines: string[] = [];
  const shown = new Set<string>();
  const walk = (name: string, prefix: string, branch: string, last: boolean) => {
    const node = nodes.get(name);
    const again = shown.has(name);
    lines.push(`${prefix}${branch}${node === undefined ? name : label(node)}${again && (children.get(name)?.length ?? 0) > 0 ? ' …' : ''}`);
    if (again) return;
    shown.add(name);
    const below = children.get(name) ?? [];
    const inner = prefix + (branch === '' ? '' : last ? '    ' : '│   ');
    below.forEach((child, i) => walk(child, inner, i === below.length - 1 ? '└── ' : '├── ', i === below.length - 1));
  };
  for (const root of roots) walk(root, '', '', true);
  return lines.join('\n');
}

const dotId = (name: string) => `"${name.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;

/** The graph in Graphviz DOT: source tables as cylinders, assets as boxes, left to right. */
export function renderAssetDot(graph: AssetGraph): string {
  const lines = ['digraph assets {', '  rankdir=LR;'];
  for (const node of graph.assets) lines.push(`  ${dotId(node.name)} [shape=${node.kind === 'table' ? 'cylinder' : 'box'}, label=${dotId(label(node))}];`);
  for (const { from, to } of graph.edges) lines.push(`  ${dotId(from)} -> ${dotId(to)};`);
  lines.push('}');
  return lines.join('\n');
}
