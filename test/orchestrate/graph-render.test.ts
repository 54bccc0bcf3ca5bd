import { describe, expect, it } from 'vitest';
import { renderAssetTree, type AssetGraph } from '../../src/orchestrate/index.js';
import { MAX_TREE_INDENT } from '../../src/orchestrate/graph-render.js';

function graphOf(edges: [string, string][], names: string[]): AssetGraph {
  return {
    assets: names.map((name) => ({ name, kind: 'sql' as const, deps: edges.filter(([, to]) => to === name).map(([from]) => from) })),
    edges: edges.map(([from, to]) => ({ from, to })),
  };
}

describe('renderAssetTree', () => {
  it('draws siblings in order and names a node reached twice once more with …', () => {
    const graph = graphOf(
      [
        ['a', 'b'],
        ['a', 'c'],
        ['b', 'd'],
        ['c', 'd'],
        ['d', 'e'],
      ],
      ['a', 'b', 'c', 'd', 'e'],
    );
    expect(renderAssetTree(graph).split('\n')).toEqual([
      'a (sql)',
      '├── b (sql)',
      '│   └── d (sql)',
      '│       └── e (sql)',
      '└── c (sql)',
      '    └── d (sql) …',
    ]);
  });

  it('draws a chain of 10,000 assets without overflowing the stack, each once, indented at most MAX_TREE_INDENT levels', () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `c_${i}`);
    const edges = names.slice(1).map((name, i): [string, string] => [names[i] as string, name]);
    const lines = renderAssetTree(graphOf(edges, names)).split('\n');
    expect(lines).toHaveLength(10_000);
    expect(lines.map((line) => line.replace(/^[\s│├└─]+/u, ''))).toEqual(names.map((n) => `${n} (sql)`));
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(4 * (MAX_TREE_INDENT + 1) + 'c_9999 (sql)'.length);
  });
});
