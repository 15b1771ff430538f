import type { RunStatus } from '../runs/run-status.js';

/** Colour only for a terminal that wants it (NO_COLOR is honoured; FORCE_COLOR forces it). */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, gray: 90, bold: 1 } as const;
export type Color = keyof typeof CODES;

export function paint(text: string, color: Color, enabled = useColor()): string {
  return enabled ? `\u001b[${CODES[color]}m${text}\u001b[0m` : text;
}

export function statusColor(status: RunStatus): Color {
  switch (status) {
    case 'SUCCESS':
      return 'green';
    case 'FAILURE':
      return 'red';
    case 'CANCELED':
    case 'CANCELING':
      return 'yellow';
    case 'STARTED':
    case 'STARTING':
      return 'blue';
    default:
      return 'gray';
  }
}

/** A plain text table: columns padded to their widest cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(visible(h).length, ...rows.map((r) => visible(r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - visible(c).length)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function visible(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

export function formatTime(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}
