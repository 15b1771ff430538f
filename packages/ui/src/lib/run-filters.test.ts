import { describe, expect, it } from 'vitest';
import { matchingCount, parseRunFilters, runFiltersToSearch } from './run-filters';

describe('run filters in the address', () => {
  it('parses repeated and comma-separated statuses, dropping unknown ones and duplicates', () => {
    const f = parseRunFilters(new URLSearchParams('status=failure,SUCCESS&status=BOGUS&status=SUCCESS'));
    expect(f.statuses).toEqual(['FAILURE', 'SUCCESS']);
  });

  it('keeps job and well-formed tags only', () => {
    const f = parseRunFilters(new URLSearchParams('job=etl&tag=team=data&tag=novalue&tag=k=a=b'));
    expect(f).toEqual({ statuses: [], job: 'etl', tags: ['team=data', 'k=a=b'] });
  });

  it('round-trips through the search string', () => {
    const f = { statuses: ['QUEUED' as const, 'STARTED' as const], job: 'my job', tags: ['a=1', 'b=x y'] };
    const search = runFiltersToSearch(f);
    expect(parseRunFilters(new URLSearchParams(search.slice(1)))).toEqual(f);
  });

  it('keeps a run id prefix and a date range, dropping malformed ones', () => {
    const f = parseRunFilters(new URLSearchParams('id=3F2A&from=2025-01-31&to=tomorrow'));
    expect(f).toEqual({ statuses: [], tags: [], id: '3f2a', from: '2025-01-31' });
    expect(parseRunFilters(new URLSearchParams('id=not-hex!')).id).toBeUndefined();
    const all = { statuses: [], tags: [], id: 'ab12', from: '2025-01-01', to: '2025-01-31' };
    expect(parseRunFilters(new URLSearchParams(runFiltersToSearch(all).slice(1)))).toEqual(all);
  });

  it('writes nothing for no filters', () => {
    expect(runFiltersToSearch({ statuses: [], tags: [] })).toBe('');
  });
});

describe('matchingCount', () => {
  const counts = { total: 10, byStatus: { SUCCESS: 6, FAILURE: 3, CANCELED: 1 } };
  it('is the total without a status filter and the sum of the chosen statuses with one', () => {
    expect(matchingCount(counts, [])).toBe(10);
    expect(matchingCount(counts, ['FAILURE', 'CANCELED', 'QUEUED'])).toBe(4);
  });
});
