import { expect, it } from 'vitest';
import type { JobStep } from '../api/types';
import { layoutJobGraph } from './graph-layout';

const step = (key: string, upstream: string[] = []): JobStep => ({ key, op: key, upstream, inputs: {} });

it('lays a diamond out top to bottom with one edge per dependency', () => {
  const layout = layoutJobGraph([step('a'), step('b', ['a']), step('c', ['a']), step('d', ['b', 'c'])]);
  const y = Object.fromEntries(layout.nodes.map((n) => [n.key, n.y]));
  expect(y.a).toBeLessThan(y.b!);
  expect(y.b).toBe(y.c);
  expect(y.c).toBeLessThan(y.d!);
  expect(layout.edges.map((e) => `${e.from}->${e.to}`).sort()).toEqual(['a->b', 'a->c', 'b->d', 'c->d']);
  for (const e of layout.edges) expect(e.points.length).toBeGreaterThanOrEqual(2);
  for (const n of layout.nodes) {
    expect(n.x).toBeGreaterThanOrEqual(0);
    expect(n.x + n.width).toBeLessThanOrEqual(layout.width);
  }
});

it('ignores upstream keys that are not steps and repeated upstreams', () => {
  const layout = layoutJobGraph([step('a'), step('b', ['a', 'a', 'ghost'])]);
  expect(layout.nodes.map((n) => n.key)).toEqual(['a', 'b']);
  expect(layout.edges).toHaveLength(1);
});

it('sizes boxes to their names within bounds', () => {
  const layout = layoutJobGraph([step('x'), step('a_really_long_step_name_that_goes_on_and_on_forever_and_ever')]);
  const [small, big] = layout.nodes;
  expect(small!.width).toBe(140);
  expect(big!.width).toBe(320);
});
