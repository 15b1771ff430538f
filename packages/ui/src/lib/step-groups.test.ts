import { describe, expect, it } from 'vitest';
import { describeCounts, groupMappedSteps, itemLabelOf, stepNodeOf } from './step-groups';

describe('mapped step groups', () => {
  it('groups mapped steps by op, with counts, the worst status and the span of the group', () => {
    const groups = groupMappedSteps([
      { stepKey: 'list_files', status: 'SUCCESS', attempts: 1, startTime: 0, endTime: 5 },
      { stepKey: 'load[a.csv]', status: 'SUCCESS', attempts: 1, startTime: 10, endTime: 20 },
      { stepKey: 'load[b.csv]', status: 'FAILURE', attempts: 3, startTime: 12, endTime: 40 },
      { stepKey: 'load[c.csv]', status: 'NOT_STARTED', attempts: 0 },
      { stepKey: 'proc[a][0]', status: 'RUNNING', attempts: 1, startTime: 30 },
    ]);
    expect([...groups.keys()]).toEqual(['load', 'proc']);
    const load = groups.get('load');
    expect(load?.counts).toEqual({ SUCCESS: 1, FAILURE: 1, NOT_STARTED: 1 });
    expect(load?.summary).toEqual({ stepKey: 'load[…]', status: 'FAILURE', attempts: 4, startTime: 10, endTime: 40 });
    expect(groups.get('proc')?.summary).toMatchObject({ status: 'RUNNING', startTime: 30, endTime: null });
    expect(describeCounts(load?.counts ?? {})).toBe('1 success, 1 failure, 1 not started');
  });

  it('splits keys at the first [', () => {
    expect(stepNodeOf('proc[a.csv][0]')).toBe('proc');
    expect(itemLabelOf('proc[a.csv][0]')).toBe('[a.csv][0]');
    expect(stepNodeOf('load')).toBe('load');
  });
});
