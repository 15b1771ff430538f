import { useMemo } from 'react';
import type { Job } from '../api/types';
import { applySuggestion, completionAt } from '../lib/config-completion';

export interface EditorCursor {
  readonly offset: number;
  readonly textarea: HTMLTextAreaElement;
}

interface Props {
  readonly job: Job;
  readonly yaml: string;
  readonly cursor: EditorCursor | undefined;
  readonly onChange: (yaml: string) => void;
  /** Where the cursor is after a key was written (at the end of what was written). */
  readonly onCursor: (cursor: EditorCursor) => void;
}

/**
 * The keys that may be written on the cursor's line, from the job's steps and their config
 * schemas, with type and default; a click writes `key: default` on the line.
 */
export function ConfigCompletions({ job, yaml, cursor, onChange, onCursor }: Props) {
  const ctx = useMemo(
    () => (cursor ? completionAt(yaml, Math.min(cursor.offset, yaml.length), job.steps) : undefined),
    [cursor, yaml, job.steps],
  );
  if (!cursor || !ctx || ctx.suggestions.length === 0) return null;
  const where = ctx.path.length ? ctx.path.join('.') : 'top level';
  return (
    <div className="config-completions" data-testid="config-completions" data-path={ctx.path.join('.')}>
      <div className="small muted">Keys for {where}</div>
      <ul>
        {ctx.suggestions.map((s) => (
          <li key={s.key}>
            <button
              type="button"
              className="completion"
              // Keep the editor's focus and cursor: the click writes into it.
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => {
                const done = applySuggestion(yaml, ctx, s);
                onChange(done.text);
                onCursor({ offset: done.cursor, textarea: cursor.textarea });
                requestAnimationFrame(() => {
                  cursor.textarea.focus();
                  cursor.textarea.setSelectionRange(done.cursor, done.cursor);
                });
              }}
              data-testid={`config-completion-${s.key}`}
            >
              <span className="mono strong">{s.key}</span>
              <span className="mono muted">{s.type}</span>
              {s.defaultValue !== undefined && <span className="mono muted">default {s.defaultValue}</span>}
              {s.required && <span className="tone-text-bad small">required</span>}
              {s.description && <span className="muted small">{s.description}</span>}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
