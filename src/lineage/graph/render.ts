import { compare, type LineageNode, type LineageResult } from './lineage-node.js';

export type LineageDirection = 'upstream' | 'downstream';

/** How a node reads on a terminal or in a picture: `table events@4`, `file a.csv (/data/a.csv, 120 B, sha256 3f2a…)`. */
export function nodeLabel(node: LineageNode): string {
  const versioned = `${node.name}${node.version === undefined ? '' : `@${node.version}`}`;
  switch (node.type) {
    case 'file': {
      const details = [
        node.path,
        node.size === undefined ? undefined : `${node.size} B`,
        node.sha256 === undefined ? undefined : `sha256 ${node.sha256.slice(0, 12)}`,
      ];
      return `file ${node.name} (${details.filter((d) => d !== undefined).join(', ')})`;
    }
    case 'stream':
      return node.partition === undefined
        ? `stream ${node.name}`
        : `stream ${node.name} partition ${node.partition} offsets ${node.from ?? '?'}-${node.to ?? '?'}`;
    case 'run':
      return `run ${node.name}${node.time === undefined ? '' : ` at ${node.time}`}`;
    default:
      return `${node.type} ${versioned}`;
  }
}

/**
 * The starting points of a result: for upstream, the nodes nothing in it leads from (what
 * was asked about); for downstream, the nodes nothing in it leads to (the sources).
 */
export function resultRoots(result: LineageResult, direction: LineageDirection): string[] {
  const pointed = new Set(result.edges.map((e) => (direction === 'upstream' ? e.from : e.to)));
  return result.nodes.map((n) => n.id).filter((id) => !pointed.has(id));
}

/**
 * The result as a tree on the terminal: upstream from what was asked about down to its
 * sources, downstream from the sources out. A node reached twice is printed once in full
 * and then marked `(above)`.
 */
export function renderTree(result: LineageResult, direction: LineageDirection): string {
  const nodes = new Map(result.nodes.map((n) => [n.id, n]));
  const children = new Map<string, string[]>();
  for (const e of result.edges) {
    const [parent, child] = direction === 'upstream' ? [e.to, e.from] : [e.from, e.to];
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const label = (id: string) => {
    const node = nodes.get(id);
    return node === undefined ? id : nodeLabel(node);
  };
  const ordered = (ids: readonly string[]) => [...ids].sort((a, b) => compare(label(a), label(b)) || compare(a, b));
  const lines: string[] = [];
  const printed = new Set<string>();
  const walk = (id: string, prefix: string, last: boolean, top: boolean) => {
    const seen = printed.has(id);
    lines.push(`${top ? '' : `${prefix}${last ? '└── ' : '├── '}`}${label(id)}${seen ? ' (above)' : ''}`);
    if (seen) return;
    printed.add(id);
    const kids = ordered(children.get(id) ?? []);
    const inner = top ? '' : `${prefix}${last ? '    ' : '│   '}`;
    kids.forEach((kid, i) => walk(kid, inner, i === kids.length - 1, false));
  };
  for (const root of ordered(resultRoots(result, direction))) walk(root, '', true, true);
  // A cycle (an unversioned node both read and written) leaves nodes no root reaches.
  for (const node of result.nodes) if (!printed.has(node.id)) walk(node.id, '', true, true);
  return lines.join('\n');
}

const SHAPES: Readonly<Record<LineageNode['type'], string>> = {
  table: 'cylinder',
  file: 'note',
  stream: 'cds',
  http: 'cds',
  run: 'box',
  'feature-view': 'component',
  'training-set': 'folder',
  model: 'box3d',
  predictions: 'tab',
  'online-store': 'cylinder',
  suite: 'hexagon',
  dataset: 'ellipse',
};

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** The result as a Graphviz DOT digraph, left to right, nodes and edges in the result's order. */
export function renderDot(result: LineageResult): string {
  const lines = ['digraph lineage {', '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=8];'];
  for (const node of result.nodes) {
    const style = node.type === 'run' ? ', style=rounded' : '';
    lines.push(`  ${quote(node.id)} [label=${quote(dotLabel(node))}, shape=${SHAPES[node.type]}${style}];`);
  }
  for (const edge of result.edges) lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)}${edge.job === undefined ? ' [style=dashed]' : ''};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function dotLabel(node: LineageNode): string {
  switch (node.type) {
    case 'file':
      return [
        node.path ?? node.name,
        node.size === undefined ? undefined : `${node.size} B`,
        node.sha256 === undefined ? undefined : `sha256 ${node.sha256.slice(0, 12)}`,
      ]
        .filter((d) => d !== undefined)
        .join('\n');
    case 'stream':
      return node.partition === undefined ? node.name : `${node.name}\npartition ${node.partition}\noffsets ${node.from ?? '?'}-${node.to ?? '?'}`;
    case 'run':
      return node.name;
    default:
      return `${node.type}\n${node.name}${node.version === undefined ? '' : `@${node.version}`}`;
  }
}

/** The DOT rendered to SVG by Graphviz compiled to WebAssembly (@viz-js/viz): no system binary. */
export async function renderSvg(result: LineageResult): Promise<string> {
  const { instance } = await import('@viz-js/viz');
  const viz = await instance();
  return viz.renderString(renderDot(result), { format: 'svg' });
}
