import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, api } from '../api/client';
import type { ConfigIssue, Job } from '../api/types';
import { ConfigCompletions, type EditorCursor } from '../components/ConfigCompletions';
import { Empty, ErrorBanner, Loading } from '../components/Feedback';
import { LauncherPicker } from '../components/LauncherPicker';
import { StepSelectionField, selectionBlocks, useSelectionCheck } from '../components/StepSelection';
import { TagsEditor } from '../components/TagsEditor';
import { YamlEditor } from '../components/YamlEditor';
import { useApi } from '../hooks/use-api';
import { useDebounced } from '../hooks/use-debounced';
import { formatIssuePath, issuesByLine, sortIssues } from '../lib/config-issues';
import { type LauncherSelection, launcherTags } from '../lib/launcher-tags';
import { nextRowId, type TagRow, tagsFromRows } from '../lib/tags';
import { navigate, useLocation } from '../router/router';

export function LaunchpadPage() {
  const { search } = useLocation();
  const jobName = search.get('job') ?? '';
  const jobs = useApi((signal) => api.jobs(signal), []);

  useEffect(() => {
    // With one job there is nothing to pick.
    const list = jobs.data?.jobs;
    if (!jobName && list?.length === 1)
      navigate(`/launchpad?job=${encodeURIComponent(list[0]!.name)}`, { replace: true });
  }, [jobName, jobs.data]);

  return (
    <div className="page" data-testid="launchpad-page">
      <div className="page-head">
        <h1>Launchpad</h1>
        <label className="field-inline">
          Job
          <select
            className="input"
            value={jobName}
            onChange={(e) => navigate(`/launchpad?job=${encodeURIComponent(e.target.value)}`, { replace: true })}
            data-testid="launchpad-job-select"
          >
            <option value="" disabled>
              Choose a job…
            </option>
            {jobs.data?.jobs.map((j) => (
              <option key={j.name} value={j.name}>
                {j.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {jobs.error && <ErrorBanner error={jobs.error} />}
      {jobs.data && jobs.data.jobs.length === 0 && (
        <Empty testId="launchpad-no-jobs">
          No jobs: start the server with a code location (<span className="mono">runyard dev -f jobs.ts</span>).
        </Empty>
      )}
      {jobName && <JobLaunchForm key={jobName} jobName={jobName} />}
    </div>
  );
}

type Validation =
  | { state: 'idle' }
  | { state: 'checking' }
  | { state: 'done'; valid: boolean; issues: ConfigIssue[] }
  | { state: 'failed'; error: Error };

function JobLaunchForm({ jobName }: { jobName: string }) {
  const job = useApi((signal) => api.job(jobName, signal), [jobName]);
  if (job.error) return <ErrorBanner error={job.error} />;
  if (!job.data) return <Loading what="job" />;
  return <LaunchForm job={job.data} />;
}

function LaunchForm({ job }: { job: Job }) {
  const [yaml, setYaml] = useState(job.runConfigTemplate ?? '');
  const [rows, setRows] = useState<TagRow[]>(() => [{ id: nextRowId(), key: '', value: '' }]);
  const [validation, setValidation] = useState<Validation>({ state: 'idle' });
  const [launching, setLaunching] = useState(false);
  const [launchError, setLaunchError] = useState<Error | null>(null);
  const [cursor, setCursor] = useState<EditorCursor>();
  const launchers = useApi((signal) => api.jobLaunchers(job.name, signal), [job.name]);
  const [launcher, setLauncher] = useState<LauncherSelection>({ launcher: null, vars: {} });
  const launcherResult = useMemo(() => launcherTags(launchers.data, launcher), [launchers.data, launcher]);
  // The launcher's tags go with the typed ones; a tag typed by hand wins.
  const tagResult = useMemo(() => {
    const typed = tagsFromRows(rows);
    return { ...typed, tags: { ...launcherResult.tags, ...typed.tags } };
  }, [rows, launcherResult]);
  // Step selection (docs/step-selection.md): empty runs every step.
  const [selection, setSelection] = useState('');
  const [fromRun, setFromRun] = useState('');
  const selectionCheck = useSelectionCheck(job.name, selection, fromRun);
  const tagsKey = JSON.stringify(tagResult.tags);

  // Validate what the user typed once they pause; the newest answer wins.
  // Debounced as one string: an object made on each render would never settle, and re-validate forever.
  const settledKey = useDebounced(JSON.stringify([yaml, tagsKey]), 350);
  const settled = useMemo(() => {
    const [y, t] = JSON.parse(settledKey) as [string, string];
    return { yaml: y, tagsKey: t };
  }, [settledKey]);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setValidation({ state: 'checking' });
    api.validate({ job: job.name, runConfigYaml: settled.yaml, tags: JSON.parse(settled.tagsKey) }).then(
      (r) => {
        if (mine === seq.current) setValidation({ state: 'done', valid: r.valid, issues: r.issues ?? [] });
      },
      (err: unknown) => {
        if (mine !== seq.current) return;
        // A 400 with issues (say, a bad tag) is a validation answer too.
        if (err instanceof ApiError && err.issues.length) {
          setValidation({ state: 'done', valid: false, issues: err.issues });
        } else setValidation({ state: 'failed', error: err instanceof Error ? err : new Error(String(err)) });
      },
    );
  }, [job.name, settled]);

  const stale = settled.yaml !== yaml || settled.tagsKey !== tagsKey;
  const issues = validation.state === 'done' ? sortIssues(validation.issues) : [];
  const marks = useMemo(() => issuesByLine(issues, yaml.split('\n').length), [issues, yaml]);
  const invalid = validation.state === 'done' && !validation.valid;
  const canLaunch =
    !launching &&
    tagResult.errors.size === 0 &&
    Object.keys(launcherResult.errors).length === 0 &&
    !(invalid && !stale) &&
    !selectionBlocks(selectionCheck);

  const launch = async () => {
    setLaunching(true);
    setLaunchError(null);
    try {
      const { run } = await api.launch({
        job: job.name,
        runConfigYaml: yaml,
        tags: tagResult.tags,
        ...(selection.trim() ? { selection: selection.trim() } : {}),
        ...(selection.trim() && fromRun.trim() ? { fromRun: fromRun.trim() } : {}),
      });
      navigate(`/runs/${run.runId}`);
    } catch (err) {
      // The server refuses an invalid config and creates no run; show why, in place.
      if (err instanceof ApiError && err.issues.length) {
        seq.current++;
        setValidation({ state: 'done', valid: false, issues: err.issues });
      } else setLaunchError(err instanceof Error ? err : new Error(String(err)));
      setLaunching(false);
    }
  };

  return (
    <div className="launchpad">
      <div className="launchpad-main card">
        <div className="section-head">
          <h2>Run config</h2>
          <div className="row-gap">
            <ValidationStatus validation={validation} stale={stale} />
            <button
              type="button"
              className="btn btn-small"
              onClick={() => setYaml(job.runConfigTemplate ?? '')}
              data-testid="launchpad-reset"
            >
              Reset to template
            </button>
          </div>
        </div>
        <YamlEditor
          value={yaml}
          onChange={setYaml}
          marks={marks}
          testId="launchpad-config"
          onCursor={(offset, textarea) => setCursor({ offset, textarea })}
        />
        <ConfigCompletions job={job} yaml={yaml} cursor={cursor} onChange={setYaml} onCursor={setCursor} />
        {issues.length > 0 && (
          <ul className="issues" data-testid="launchpad-issues">
            {issues.map((issue, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: each answer replaces the whole list
              <li key={i} data-testid="launchpad-issue" data-line={issue.line ?? ''}>
                {issue.line != null && <span className="issue-line mono">line {issue.line}</span>}
                <span className="mono issue-path">{formatIssuePath(issue.path)}</span>
                <span>{issue.message}</span>
              </li>
            ))}
          </ul>
        )}
        {validation.state === 'failed' && <ErrorBanner error={validation.error} testId="launchpad-validate-error" />}
      </div>
      <aside className="launchpad-side">
        <div className="card">
          <h2>{job.name}</h2>
          {job.description && <p className="muted">{job.description}</p>}
          <div className="small muted">
            {job.steps.length} steps · executor {job.executor.type}
          </div>
          {Object.keys(job.tags).length > 0 && (
            <div className="tag-list" title="Tags every run of this job gets">
              {Object.entries(job.tags).map(([k, v]) => (
                <span key={k} className="tag">
                  {k}={v}
                </span>
              ))}
            </div>
          )}
        </div>
        {launchers.data &&
          (launchers.data.launchers.length > 1 ||
            launchers.data.launchers.some((l) => Object.keys(l.variables).length > 0)) && (
            <div className="card">
              <h2>Launcher</h2>
              <LauncherPicker
                info={launchers.data}
                selection={launcher}
                errors={launcherResult.errors}
                onChange={setLauncher}
              />
            </div>
          )}
        <div className="card">
          <h2>Tags</h2>
          <TagsEditor rows={rows} errors={tagResult.errors} onChange={setRows} />
        </div>
        <div className="card">
          <h2>Steps</h2>
          <StepSelectionField
            steps={job.steps}
            selection={selection}
            onSelection={setSelection}
            check={selectionCheck}
            fromRun={fromRun}
            onFromRun={setFromRun}
            testId="launchpad-selection"
          />
        </div>
        {launchError && <ErrorBanner error={launchError} testId="launchpad-launch-error" />}
        <button
          type="button"
          className="btn btn-primary btn-large"
          disabled={!canLaunch}
          onClick={launch}
          data-testid="launchpad-launch"
        >
          {launching ? 'Launching…' : 'Launch run'}
        </button>
      </aside>
    </div>
  );
}

function ValidationStatus({ validation, stale }: { validation: Validation; stale: boolean }) {
  let text = '';
  let tone = 'muted';
  if (stale || validation.state === 'checking') text = 'Checking…';
  else if (validation.state === 'done') {
    text = validation.valid ? 'Config is valid' : plural(validation.issues.length, 'problem');
    tone = validation.valid ? 'tone-text-ok' : 'tone-text-bad';
  } else if (validation.state === 'failed') {
    text = 'Could not validate';
    tone = 'tone-text-bad';
  }
  const state = stale
    ? 'checking'
    : validation.state === 'done'
      ? validation.valid
        ? 'valid'
        : 'invalid'
      : validation.state;
  return (
    <span className={`small ${tone}`} data-testid="launchpad-validation" data-state={state}>
      {text}
    </span>
  );
}

function plural(n: number, word: string): string {
  return n === 1 ? `1 ${word}` : `${n || 'Some'} ${word}s`;
}
