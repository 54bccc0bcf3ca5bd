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

/** Past this depth a branch is drawn at the same indent: a chain of 10,000 assets would otherwise print lines of 40,000 characters. */
export const MAX_TREE_INDENT = 64;

/**
 * The graph as a terminal tree, downstream from each node nothing feeds (source tables
 * first): a node reached a second time is named once more with "…" instead of repeating
 * what is below it. Walked with a stack of its own, so a chain of thousands of assets does
 * not overflow the call stack; indented at most MAX_TREE_INDENT levels.
 */
export function renderAssetTree(graph: AssetGraph): string {
  if (graph.assets.length === 0) return 'No assets (pipelines/*.json).';
  const nodes = new Map(graph.assets.map((n) => [n.name, n]));
  const children = new Map<string, string[]>();
  for (const { from, to } of graph.edges) {
    const list = children.get(from);
    if (list === undefined) children.set(from, [to]);
    else list.push(to);
  }
  const roots = graph.assets.filter((n) => n.deps.length === 0).map((n) => n.name);
  const lines: string[] = [];
  const shown = new Set<string>();
  // Depth first, children pushed last to first so they come off the stack in order: the lines a recursive walk prints.
  const stack: { name: string; prefix: string; branch: string; last: boolean; depth: number }[] = [];
  for (const root of [...roots].reverse()) stack.push({ name: root, prefix: '', branch: '', last: true, depth: 0 });
  while (stack.length > 0) {
    const { name, prefix, branch, last, depth } = stack.pop() as (typeof stack)[number];
    const node = nodes.get(name);
    const again = shown.has(name);
    lines.push(`${prefix}${branch}${node === undefined ? name : label(node)}${again && (children.get(name)?.length ?? 0) > 0 ? ' …' : ''}`);
    if (again) continue;
    shown.add(name);
    const below = children.get(name) ?? [];
    const inner = depth >= MAX_TREE_INDENT ? prefix : prefix + (branch === '' ? '' : last ? '    ' : '│   ');
    for (let i = below.length - 1; i >= 0; i--) {
      const end = i === below.length - 1;
      stack.push({ name: below[i] as string, prefix: inner, branch: end ? '└── ' : '├── ', last: end, depth: depth + 1 });
    }
  }
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
