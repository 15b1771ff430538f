import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, api } from '../api/client';
import type { ConfigIssue, JobStep } from '../api/types';
import { useDebounced } from '../hooks/use-debounced';
import { JobGraph } from './JobGraph';

/** What the server said about a selection: the steps it picks, and its problems. */
export type SelectionCheck =
  | { state: 'none' }
  | { state: 'checking' }
  | { state: 'done'; steps: string[] | null; issues: ConfigIssue[] }
  | { state: 'failed'; error: Error };

const SELECTION_PATHS = new Set(['selection', 'fromRun']);

/**
 * Checks a step selection through the API as the user types (`POST /api/runs/validate`), keeping
 * only the selection's own issues: the run config is the caller's business. The newest answer wins.
 */
export function useSelectionCheck(job: string, selection: string, fromRun: string): SelectionCheck {
  // A string, not an object: the debounce compares by value, so re-renders do not restart it.
  const typed = JSON.stringify([selection.trim(), fromRun.trim()]);
  const settled = useDebounced(typed, 300);
  const [check, setCheck] = useState<SelectionCheck>({ state: 'none' });
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    const [wanted, parent] = JSON.parse(settled) as [string, string];
    if (!wanted) {
      setCheck({ state: 'none' });
      return;
    }
    setCheck({ state: 'checking' });
    api.validate({ job, selection: wanted, ...(parent ? { fromRun: parent } : {}) }).then(
      (r) => {
        if (mine !== seq.current) return;
        const issues = (r.issues ?? []).filter((i) => typeof i.path === 'string' && SELECTION_PATHS.has(i.path));
        setCheck({ state: 'done', steps: r.selectedSteps ?? null, issues });
      },
      (err: unknown) => {
        if (mine !== seq.current) return;
        if (err instanceof ApiError && err.issues.length) setCheck({ state: 'done', steps: null, issues: err.issues });
        else setCheck({ state: 'failed', error: err instanceof Error ? err : new Error(String(err)) });
      },
    );
  }, [job, settled]);
  return typed !== settled && selection.trim() ? { state: 'checking' } : check;
}

/** True when a selection was typed and is not (yet) known to be good. */
export function selectionBlocks(check: SelectionCheck): boolean {
  return check.state === 'checking' || check.state === 'failed' || (check.state === 'done' && check.issues.length > 0);
}

interface FieldProps {
  steps: JobStep[];
  selection: string;
  onSelection: (value: string) => void;
  check: SelectionCheck;
  /** Shown as an input when given a setter; a fixed run (re-execute) is shown as text. */
  fromRun: string;
  onFromRun?: (value: string) => void;
  testId: string;
}

/** A step selection input, its problems, and the job graph with what will run highlighted. */
export function StepSelectionField({ steps, selection, onSelection, check, fromRun, onFromRun, testId }: FieldProps) {
  const willRun = useMemo(() => (check.state === 'done' && check.steps ? new Set(check.steps) : undefined), [check]);
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <div className="selection-field" data-testid={testId}>
      <label className="field">
        <span className="small muted">
          Steps to run: names, <span className="mono">*</span> globs, <span className="mono">+name</span> /{' '}
          <span className="mono">name+</span> for up/downstream, <span className="mono">*name</span> /{' '}
          <span className="mono">name*</span> for all of them, commas between.{onFromRun ? ' Empty: every step.' : ''}
        </span>
        <input
          className="input mono"
          value={selection}
          placeholder="e.g. +report or load_*"
          onChange={(e) => onSelection(e.target.value)}
          data-testid={`${testId}-input`}
        />
      </label>
      {onFromRun ? (
        <label className="field">
          <span className="small muted">
            Read the other steps' outputs from run (needed when selected steps read them)
          </span>
          <input
            className="input mono"
            value={fromRun}
            placeholder="run id"
            onChange={(e) => onFromRun(e.target.value)}
            data-testid={`${testId}-from-run`}
          />
        </label>
      ) : (
        <span className="small muted">
          Steps outside the selection are read from run <span className="mono">{fromRun.slice(0, 8)}</span>.
        </span>
      )}
      <SelectionStatus check={check} testId={testId} />
      {check.state === 'done' && check.issues.length > 0 && (
        <ul className="issues" data-testid={`${testId}-issues`}>
          {check.issues.map((issue, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: each answer replaces the whole list
            <li key={i} data-testid={`${testId}-issue`} data-term={issue.term ?? ''}>
              {issue.term && <span className="mono issue-path">{issue.term}</span>}
              <span>{issue.message}</span>
            </li>
          ))}
        </ul>
      )}
      {selection.trim() && <JobGraph steps={steps} selected={selected} onSelect={setSelected} willRun={willRun} />}
    </div>
  );
}

function SelectionStatus({ check, testId }: { check: SelectionCheck; testId: string }) {
  if (check.state === 'none') return null;
  let text = 'Checking…';
  let tone = 'muted';
  if (check.state === 'failed') {
    text = `Could not check the selection: ${check.error.message}`;
    tone = 'tone-text-bad';
  } else if (check.state === 'done') {
    const n = check.steps?.length ?? 0;
    text = check.issues.length
      ? `${check.issues.length === 1 ? '1 problem' : `${check.issues.length} problems`} with the selection`
      : `${n === 1 ? '1 step' : `${n} steps`} will run: ${(check.steps ?? []).join(', ')}`;
    tone = check.issues.length ? 'tone-text-bad' : 'tone-text-ok';
  }
  return (
    <span className={`small ${tone}`} data-testid={`${testId}-status`} data-state={check.state}>
      {text}
    </span>
  );
}
