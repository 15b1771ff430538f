import { nextRowId, type TagRow } from '../lib/tags';

interface Props {
  rows: TagRow[];
  errors: Map<number, string>;
  onChange: (rows: TagRow[]) => void;
}

export function TagsEditor({ rows, errors, onChange }: Props) {
  const update = (i: number, patch: Partial<TagRow>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="tags-editor" data-testid="tags-editor">
      {rows.map((row, i) => (
        <div className="tag-row" key={row.id ?? `i${i}`} data-testid={`tag-row-${i}`}>
          <input
            className="input mono"
            placeholder="key"
            value={row.key}
            onChange={(e) => update(i, { key: e.target.value })}
            aria-label={`Tag ${i + 1} key`}
            data-testid={`tag-key-${i}`}
          />
          <span className="muted">=</span>
          <input
            className="input mono"
            placeholder="value"
            value={row.value}
            onChange={(e) => update(i, { value: e.target.value })}
            aria-label={`Tag ${i + 1} value`}
            data-testid={`tag-value-${i}`}
          />
          <button
            type="button"
            className="btn btn-icon"
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
            aria-label={`Remove tag ${i + 1}`}
            data-testid={`tag-remove-${i}`}
          >
            ✕
          </button>
          {errors.get(i) && <span className="field-error">{errors.get(i)}</span>}
        </div>
      ))}
      <button
        type="button"
        className="btn btn-small"
        onClick={() => onChange([...rows, { id: nextRowId(), key: '', value: '' }])}
        data-testid="tag-add"
      >
        + Add tag
      </button>
    </div>
  );
}
