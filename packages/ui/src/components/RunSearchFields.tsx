import { useEffect, useState } from 'react';
import type { RunFilters } from '../api/types';

interface Props {
  readonly filters: RunFilters;
  readonly onChange: (next: RunFilters) => void;
}

/**
 * Find a run by the first characters of its id (what people copy from a log or a terminal), and
 * narrow the list to the days it was created in. Both live in the address with the other filters.
 */
export function RunSearchFields({ filters, onChange }: Props) {
  const [id, setId] = useState(filters.id ?? '');
  useEffect(() => setId(filters.id ?? ''), [filters.id]);
  const cleaned = id.trim().toLowerCase();
  const validId = cleaned === '' || /^[0-9a-f-]{1,36}$/.test(cleaned);
  const set = (key: 'id' | 'from' | 'to', value: string) => {
    const { [key]: _old, ...rest } = filters;
    onChange(value ? { ...rest, [key]: value } : rest);
  };
  return (
    <>
      <form
        className="field-inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (validId) set('id', cleaned);
        }}
      >
        Run id
        <input
          className={`input mono${validId ? '' : ' input-bad'}`}
          placeholder="3f2a…"
          value={id}
          onChange={(e) => setId(e.target.value)}
          onBlur={() => validId && cleaned !== (filters.id ?? '') && set('id', cleaned)}
          title={validId ? 'The first characters of a run id' : 'A run id has only 0-9, a-f and -'}
          data-testid="filter-run-id"
        />
      </form>
      <label className="field-inline">
        From
        <input
          type="date"
          className="input"
          value={filters.from ?? ''}
          max={filters.to}
          onChange={(e) => set('from', e.target.value)}
          data-testid="filter-from"
        />
      </label>
      <label className="field-inline">
        To
        <input
          type="date"
          className="input"
          value={filters.to ?? ''}
          min={filters.from}
          onChange={(e) => set('to', e.target.value)}
          data-testid="filter-to"
        />
      </label>
    </>
  );
}
