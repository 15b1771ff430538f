import type { Document, LineCounter } from 'yaml';
import type { JobDefinition } from '../definitions/job.js';
import { type RunConfig, validateRunConfig } from '../engine/run-config.js';
import { type ConfigIssue, InvalidConfigError } from '../errors.js';
import type { ApiIssue } from './http-error.js';
import { checkNestingDepth, yamlNestingDepth } from './nesting-depth.js';

export interface RunConfigCheck {
  readonly runConfig?: RunConfig;
  readonly issues: readonly ApiIssue[];
}

/**
 * Parses run config typed as YAML in the launchpad and checks it against the job, placing every
 * problem on the line it belongs to, so the editor can mark it before anything is launched.
 */
export async function checkRunConfigYaml(job: JobDefinition, text: string): Promise<RunConfigCheck> {
  // Parsing YAML nested thousands deep costs seconds of CPU; counting its depth costs nothing.
  checkNestingDepth('runConfigYaml', yamlNestingDepth(text));
  const { LineCounter, parseDocument } = await import('yaml');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length) {
    return {
      issues: doc.errors.map((error) => ({
        path: '',
        message: `YAML syntax error: ${error.message.split('\n')[0]}`,
        line: lineCounter.linePos(error.pos[0]).line,
      })),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS() ?? {};
  } catch (error) {
    return { issues: [{ path: '', message: `YAML error: ${(error as Error).message}` }] };
  }
  const issues = checkRunConfig(job, value);
  if (issues.length === 0) return { runConfig: value as RunConfig, issues };
  return { issues: issues.map((issue) => withLine(issue, doc, lineCounter)) };
}

/** The job's verdict on run config given as data: every issue with its key path. */
export function checkRunConfig(job: JobDefinition, value: unknown): readonly ConfigIssue[] {
  try {
    validateRunConfig(job, value);
    return [];
  } catch (error) {
    if (error instanceof InvalidConfigError) return error.issues;
    throw error;
  }
}

/** The line of the deepest node of `issue.path` the document has (a missing key: its parent). */
function withLine(issue: ConfigIssue, doc: Document, lineCounter: LineCounter): ApiIssue {
  const keys = issue.path ? issue.path.split('.') : [];
  for (let depth = keys.length; depth >= 1; depth--) {
    const node = doc.getIn(keys.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return { ...issue, line: lineCounter.linePos(node.range[0]).line };
  }
  return issue;
}
