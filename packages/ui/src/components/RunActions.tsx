import { useState } from 'react';
import { ApiError, api } from '../api/client';
import type { Run, TerminateResult } from '../api/types';
import { useApi } from '../hooks/use-api';
import { canRetryFromFailure, canTerminate, isTerminal } from '../lib/run-status';
import { navigate } from '../router/router';
import { ConfirmDialog } from './ConfirmDialog';
import { ErrorBanner, Loading } from './Feedback';
import { StepSelectionField, selectionBlocks, useSelectionCheck } from './StepSelection';

type Dialog = 'terminate' | 'delete' | 'select' | null;

/** Terminate (confirmed, optionally forced), retry, retry from failure and delete for one run. */
export function RunActions({ run, onChanged }: { run: Run; onChanged: () => void }) {
  const [dialog, setDialog] = useState<Dialog>(null);
  const [force, setForce] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ tone: 'ok' | 'bad'; text: string } | null>(null);

  const act = async (fn: () => Promise<void>) => {
    setBusy(true);
    setMessage(null);
    try {
      await fn();
    } catch (err) {
      const text = err instanceof ApiError ? `${err.message} (${err.status})` : String(err);
      setMessage({ tone: 'bad', text });
    } finally {
      setBusy(false);
      setDialog(null);
    }
  };

  const terminate = () =>
    act(async () => {
      const { result } = await api.terminate(run.runId, force);
      setMessage({ tone: 'ok', text: describeTermination(result) });
      onChanged();
    });
  const retry = (fromFailure: boolean, selection?: string) =>
    act(async () => {
      const { run: next } = await api.retry(run.runId, fromFailure, selection);
      navigate(`/runs/${next.runId}`);
    });
  const remove = () =>
    act(async () => {
      await api.deleteRun(run.runId);
      navigate('/runs');
    });

  return (
    <div className="run-actions">
      {canTerminate(run.status) && (
        <button
          type="button"
          className="btn btn-danger"
          onClick={() => {
            setForce(run.status === 'CANCELING');
            setDialog('terminate');
          }}
          data-testid="run-terminate"
        >
          {run.status === 'CANCELING' ? 'Force terminate' : 'Terminate'}
        </button>
      )}
      {isTerminal(run.status) && (
        <>
          <button type="button" className="btn" disabled={busy} onClick={() => retry(false)} data-testid="run-retry">
            Re-execute
          </button>
          <button
            type="button"
            className="btn"
            disabled={busy}
            onClick={() => setDialog('select')}
            data-testid="run-reexecute-selected"
          >
            Re-execute selected…
          </button>
          {canRetryFromFailure(run.status) && (
            <button
              type="button"
              className="btn"
              disabled={busy}
              onClick={() => retry(true)}
              data-testid="run-retry-from-failure"
            >
              Retry from failure
            </button>
          )}
          <button type="button" className="btn btn-ghost" onClick={() => setDialog('delete')} data-testid="run-delete">
            Delete
          </button>
        </>
      )}
      {message && (
        <span className={`inline-msg tone-text-${message.tone}`} data-testid="run-action-message">
          {message.text}
        </span>
      )}
      {dialog === 'terminate' && (
        <ConfirmDialog
          title="Terminate this run?"
          confirmLabel={force ? 'Force terminate' : 'Terminate'}
          danger
          busy={busy}
          onConfirm={terminate}
          onCancel={() => setDialog(null)}
          testId="terminate-dialog"
        >
          <p>
            The run worker is asked to stop: it gets SIGTERM, stops starting steps and records the run as canceled.
            After the grace period it is killed.
          </p>
          <label className="check">
            <input
              type="checkbox"
              checked={force}
              onChange={(e) => setForce(e.target.checked)}
              data-testid="terminate-force"
            />
            Force: mark the run canceled at once (the worker is still killed)
          </label>
        </ConfirmDialog>
      )}
      {dialog === 'select' && (
        <ReexecuteSelectedDialog
          run={run}
          busy={busy}
          onConfirm={(selection) => retry(false, selection)}
          onCancel={() => setDialog(null)}
        />
      )}
      {dialog === 'delete' && (
        <ConfirmDialog
          title="Delete this run?"
          confirmLabel="Delete"
          danger
          busy={busy}
          onConfirm={remove}
          onCancel={() => setDialog(null)}
          testId="delete-dialog"
        >
          <p>The run, its tags and its event log are removed for good.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

/** Re-execute chosen steps of a run; the others' outputs are read from it. Checked as typed. */
function ReexecuteSelectedDialog({
  run,
  busy,
  onConfirm,
  onCancel,
}: {
  run: Run;
  busy: boolean;
  onConfirm: (selection: string) => void;
  onCancel: () => void;
}) {
  const job = useApi((signal) => api.job(run.jobName, signal), [run.jobName]);
  const [selection, setSelection] = useState('');
  const check = useSelectionCheck(run.jobName, selection, run.runId);
  return (
    <ConfirmDialog
      title="Re-execute selected steps"
      confirmLabel="Re-execute"
      busy={busy}
      disabled={!selection.trim() || selectionBlocks(check)}
      onConfirm={() => onConfirm(selection.trim())}
      onCancel={onCancel}
      testId="reexecute-dialog"
    >
      {job.error && <ErrorBanner error={job.error} />}
      {job.data ? (
        <StepSelectionField
          steps={job.data.steps}
          selection={selection}
          onSelection={setSelection}
          check={check}
          fromRun={run.runId}
          testId="reexecute-selection"
        />
      ) : (
        !job.error && <Loading what="job" />
      )}
    </ConfirmDialog>
  );
}

function describeTermination(r: TerminateResult): string {
  if (!r.terminated) return r.detail ?? `Nothing to terminate (${r.status}).`;
  return `Termination requested: ${r.status}${r.escalated ? ', worker killed' : ''}${r.detail ? ` (${r.detail})` : ''}`;
}
