import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { job } from '../definitions/job.js';
import { op } from '../definitions/op.js';
import { resolveSelection } from './resolve-selection.js';
import { SelectionError } from './selection-error.js';
import { inputsFromOutside } from './selection-inputs.js';
import { stepNodeName } from './step-node.js';

// extract → load ─────────┐
//         → load_users ───┴→ report → publish
//                              audit (alone)
const source = (name: string) => op({ name, out: z.number(), run: () => 1 });
const one = (name: string) => op({ name, ins: { n: z.number() }, out: z.number(), run: (_c, { n }) => n });
const two = (name: string) =>
  op({ name, ins: { a: z.number(), b: z.number() }, out: z.number(), run: (_c, { a, b }) => a + b });
const daily = job({
  name: 'daily',
  graph: () => {
    const n = source('extract')();
    one('publish')({ n: two('report')({ a: one('load')({ n }), b: one('load_users')({ n }) }) });
    source('audit')();
  },
});
const graph = daily.graph;
const steps = (selection: string) => resolveSelection(graph, selection).steps;

function issuesOf(selection: string) {
  try {
    resolveSelection(graph, selection, "job 'daily': step selection");
  } catch (error) {
    expect(error).toBeInstanceOf(SelectionError);
    return { message: (error as SelectionError).message, issues: (error as SelectionError).issues };
  }
  throw new Error(`'${selection}' resolved`);
}

describe('resolveSelection', () => {
  it('selects a step by name, in plan order, and a union of comma-separated terms', () => {
    expect(steps('report')).toEqual(['report']);
    expect(steps('publish, extract')).toEqual(['extract', 'publish']);
    expect(resolveSelection(graph, ' publish ,extract ').expression).toBe('publish,extract');
  });

  it('globs with * inside a name, or at an end when the rest is not a step name', () => {
    expect(steps('load_*')).toEqual(['load_users']);
    expect(steps('*port')).toEqual(['report']);
    expect(steps('lo*s')).toEqual(['load_users']);
    expect(steps('*')).toEqual(graph.order);
    expect(steps('*a*')).toEqual(graph.order.filter((s) => s.includes('a')));
  });

  it('+name adds upstream steps, one level per +', () => {
    expect(steps('+report')).toEqual(['load', 'load_users', 'report']);
    expect(steps('++report')).toEqual(['extract', 'load', 'load_users', 'report']);
    expect(steps('+++++publish')).toEqual(['extract', 'load', 'load_users', 'report', 'publish']);
  });

  it('name+ adds downstream steps, one level per +', () => {
    expect(steps('extract+')).toEqual(['extract', 'load', 'load_users']);
    expect(steps('load++')).toEqual(['load', 'report', 'publish']);
    expect(steps('+load+')).toEqual(['extract', 'load', 'report']);
  });

  it('*name and name* (Dagster) take every ancestor or every descendant when the rest is a step name', () => {
    expect(steps('*report')).toEqual(['extract', 'load', 'load_users', 'report']);
    expect(steps('load*')).toEqual(['load', 'report', 'publish']);
    expect(steps('*load*')).toEqual(['extract', 'load', 'report', 'publish']);
  });

  it('applies + to every step a glob matches', () => {
    expect(steps('load*+')).toEqual(['load', 'load_users', 'report']);
    expect(steps('+load_*')).toEqual(['extract', 'load_users']);
  });

  it('names every unmatched term at once, with the job steps', () => {
    const { message, issues } = issuesOf('report,nope,zz_*,+repor');
    expect(issues.map((i) => i.term)).toEqual(['nope', 'zz_*', '+repor']);
    expect(message).toContain("job 'daily': step selection 'report,nope,zz_*,+repor': 'nope' names no step of the job");
    expect(message).toContain("'zz_*' matches no step");
    expect(message).toContain(`the job's steps: ${graph.order.join(', ')}`);
  });

  it('refuses empty terms, bare operators, bad characters and mapped step keys', () => {
    expect(issuesOf('').issues[0]?.message).toMatch(/the selection is empty/);
    expect(issuesOf('report,,publish').issues[0]?.message).toMatch(/term 2 .* is empty/);
    expect(issuesOf('++').issues[0]?.message).toMatch(/operators but no step name/);
    expect(issuesOf('re port').issues[0]?.message).toMatch(/has ' '/);
    expect(issuesOf('load[a.csv]').issues[0]?.message).toMatch(/select 'load' to run all its mapped steps/);
  });
});

describe('inputsFromOutside', () => {
  it('lists the steps outside the selection that selected steps read, with their readers', () => {
    expect(inputsFromOutside(graph, new Set(['report', 'publish']))).toEqual(
      new Map([
        ['load', ['report']],
        ['load_users', ['report']],
      ]),
    );
    expect(inputsFromOutside(graph, new Set(['load', 'load_users']))).toEqual(
      new Map([['extract', ['load', 'load_users']]]),
    );
    expect(inputsFromOutside(graph, new Set(['extract', 'audit']))).toEqual(new Map());
  });
});

describe('stepNodeName', () => {
  it('is the part of a step key before the first [', () => {
    expect(stepNodeName('load')).toBe('load');
    expect(stepNodeName('load[a.csv]')).toBe('load');
    expect(stepNodeName('load[x[1]]')).toBe('load');
  });
});
