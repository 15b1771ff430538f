import type { RunRecord } from 'runyard';
import { describe, expect, it } from 'vitest';
import { validateJob } from '../test/fake-kube/fake-kube-validate.js';
import { jobManifest } from './k8s-job-spec.js';
import { belongsToRun, jobName, labelValue } from './k8s-names.js';
import { K8sRunLauncher } from './k8s-run-launcher.js';
import { k8sRunLauncherConfigSchema } from './k8s-run-launcher-config.js';
import { mergeRunOverrides, parseRunOverrides } from './k8s-run-overrides.js';

const run = (over: Partial<RunRecord> = {}): RunRecord =>
  ({
    runId: '3f2b6c1e-8d4a-4b1f-9c3e-2a7d5e6f8a90',
    jobName: 'train_model',
    status: 'STARTING',
    tags: {},
    origin: { codeLocation: '/app/jobs/index.ts', source: 'api' },
    ...over,
  }) as unknown as RunRecord;

function manifest(config: Record<string, unknown>, r = run(), attempt = 0) {
  const parsed = k8sRunLauncherConfigSchema.parse({ image: 'jobs:1', ...config });
  return jobManifest({
    config: parsed,
    settings: mergeRunOverrides(parsed, {}),
    run: r,
    attempt,
    args: ['worker', 'execute-run', r.runId],
    workerEnv: { RUNYARD_INSTANCE: '{}' },
  }) as any;
}

describe('Job names and labels', () => {
  it('names a Job after the run, a resume with -<attempt>, always a DNS-1123 label of at most 63', () => {
    expect(jobName('runyard-run-', 'ABC_def')).toBe('runyard-run-abc-def');
    expect(jobName('runyard-run-', 'abc', 2)).toBe('runyard-run-abc-2');
    const long = jobName('a-rather-long-prefix-for-runs-', `${'x'.repeat(80)}`, 12);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(long.endsWith('-12')).toBe(true);
    // Two long ids that share their first 63 characters still get two names.
    expect(jobName('p-', `${'y'.repeat(70)}a`)).not.toBe(jobName('p-', `${'y'.repeat(70)}b`));
  });

  it('cuts label values to 63 characters of the allowed set, alphanumeric at both ends', () => {
    expect(labelValue('/srv/jobs/my jobs.ts')).toBe('srv_jobs_my_jobs.ts');
    const cut = labelValue(`${'j'.repeat(62)}.-x`);
    expect(cut.length).toBeLessThanOrEqual(63);
    expect(cut).toMatch(/^[A-Za-z0-9].*[A-Za-z0-9]$/);
  });

  it('tells two runs apart whose ids share the first 63 characters (the label is cut, the annotation is not)', () => {
    const a = `${'r'.repeat(70)}-a`;
    const b = `${'r'.repeat(70)}-b`;
    const job = manifest({}, run({ runId: a }));
    expect(job.metadata.labels['runyard.dev/run-id']).toBe(labelValue(b));
    expect(belongsToRun(job, a)).toBe(true);
    expect(belongsToRun(job, b)).toBe(false);
    expect(belongsToRun(job.spec.template, a)).toBe(true);
  });

  it('builds a Job the schemas and the API rules accept, with the defaults the issue asks for', () => {
    const job = manifest({ jobNamePrefix: 'r-', labels: { team: 'ml' } }, run({ jobName: `j${'x'.repeat(90)}` }));
    expect(validateJob(job)).toEqual([]);
    expect(job.spec).toMatchObject({ backoffLimit: 0, ttlSecondsAfterFinished: 3600 });
    expect(job.spec.podFailurePolicy.rules[0].onPodConditions[0].type).toBe('DisruptionTarget');
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.metadata.labels['runyard.dev/job-name'].length).toBe(63);
    expect(job.metadata.annotations['runyard.dev/job-name']).toBe(`j${'x'.repeat(90)}`);
    expect(job.spec.template.spec.containers[0].args).toEqual(['worker', 'execute-run', run().runId]);
    expect(job.spec.template.metadata.labels.team).toBe('ml');
  });

  it('takes activeDeadlineSeconds from the run max runtime, and applies raw patches last', () => {
    const job = manifest(
      { podSpecPatch: { hostNetwork: true }, containerPatch: { workingDir: '/app' }, jobSpecPatch: { suspend: false } },
      run({ tags: { 'runyard/max_runtime': '600' } }),
    );
    expect(job.spec.activeDeadlineSeconds).toBe(600 + 10 + 60);
    expect(job.spec.template.spec.hostNetwork).toBe(true);
    expect(job.spec.template.spec.containers[0].workingDir).toBe('/app');
    expect(job.spec.suspend).toBe(false);
  });

  it('the fake refuses what a real API server refuses: restartPolicy Always, long names, bad label values', () => {
    const job = manifest({});
    job.spec.template.spec.restartPolicy = 'Always';
    job.metadata.name = 'x'.repeat(64);
    job.metadata.labels.bad = 'no spaces allowed';
    const problems = validateJob(job).join('\n');
    expect(problems).toContain('restartPolicy: Unsupported value: "Always"');
    expect(problems).toContain('metadata.name');
    expect(problems).toContain('no spaces allowed');
  });
});

describe('runyard/k8s overrides', () => {
  it('refuses keys the instance does not allow, naming the tag key and the allow-list', () => {
    const outcome = parseRunOverrides({ 'runyard/k8s': '{"image":"x:1","resources":{}}' }, ['resources']);
    expect(outcome).toMatchObject({
      ok: false,
      issues: [{ path: 'runyard/k8s.image', message: expect.stringContaining('allowRunOverrides: resources') }],
    });
    const launcher = new K8sRunLauncher({ image: 'jobs:1', allowRunOverrides: ['resources'] });
    expect(
      launcher.checkRunTags({ jobName: 'j', tags: { 'runyard/k8s': '{"resources":{"limits":{"memory":"1Gi"}}}' } }),
    ).toEqual([]);
    expect(launcher.checkRunTags({ jobName: 'j', tags: { 'runyard/k8s': 'nope' } })[0]?.message).toContain(
      'not valid JSON',
    );
  });

  it('merges instance < run: maps key by key, lists by name, scalars replaced', () => {
    const config = k8sRunLauncherConfigSchema.parse({
      image: 'a:1',
      env: { A: '1', B: '1' },
      volumes: [{ name: 'data', emptyDir: {} }],
    });
    const merged = mergeRunOverrides(config, {
      image: 'b:2',
      env: { B: '2' },
      volumes: [{ name: 'data', hostPath: { path: '/d' } }],
    });
    expect(merged.image).toBe('b:2');
    expect(merged.env).toEqual({ A: '1', B: '2' });
    expect(merged.volumes).toEqual([{ name: 'data', hostPath: { path: '/d' } }]);
  });

  it('the config is validated and frozen; toConfig gives back what was written', () => {
    expect(() => new K8sRunLauncher({ image: 'a', namespace: 'Bad_NS' })).toThrow(/namespace/);
    const launcher = new K8sRunLauncher({ image: 'a' });
    expect(Object.isFrozen(launcher.config)).toBe(true);
    expect(launcher.toConfig()).toEqual({ class: 'K8sRunLauncher', config: { image: 'a' } });
  });
});
