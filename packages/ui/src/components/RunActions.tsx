import { useState } from 'react';
import { ApiError, api } from '../api/client';
import type { Run, TerminateResult } from '../api/types';
import { canRetryFromFailure, canTerminate, isTerminal } from '../lib/run-status';
import { navigate } from '../router/router';
import { ConfirmDialog } from './ConfirmDialog';

type Dialog = 'terminate' | 'delete' | null;

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
  const retry = (fromFailure: boolean) =>
    act(async () => {
      const { run: next } = await api.retry(run.runId, fromFailure);
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

function describeTermination(r: TerminateResult): string {
  if (!r.terminated) return r.detail ?? `Nothing to terminate (${r.status}).`;
  return `Termination requested: ${r.status}${r.escalated ? ', worker killed' : ''}${r.detail ? ` (${r.detail})` : ''}`;
}
