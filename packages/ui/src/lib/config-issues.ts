/** Validation issues from /api/runs/validate, arranged for the YAML editor's gutter and list. */
import type { ConfigIssue } from '../api/types';

export function formatIssuePath(path: ConfigIssue['path']): string {
  if (Array.isArray(path)) return path.length ? path.map(String).join('.') : '(root)';
  return path || '(root)';
}

/** Line (1-based) → the messages that point at it. Issues without a line (or out of range) are left out. */
export function issuesByLine(issues: readonly ConfigIssue[], lineCount: number): Map<number, string[]> {
  const map = new Map<number, string[]>();
  for (const issue of issues) {
    const line = issue.line;
    if (line == null || !Number.isInteger(line) || line < 1) continue;
    // A missing key is reported at the line of its parent, or past the end for the root: clamp.
    const at = Math.min(line, Math.max(lineCount, 1));
    const list = map.get(at) ?? [];
    list.push(`${formatIssuePath(issue.path)}: ${issue.message}`);
    map.set(at, list);
  }
  return map;
}

/** Issues in reading order: by line, then the ones with no line. */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
}
