import { formatErrorChain } from '../events/error-info.js';
import type { RunEvent } from '../events/run-event.js';
import { type Color, paint, useColor } from './style.js';

const TYPE_COLORS: Partial<Record<RunEvent['type'], Color>> = {
  RUN_SUCCESS: 'green',
  STEP_SUCCESS: 'green',
  RUN_FAILURE: 'red',
  STEP_FAILURE: 'red',
  STEP_UP_FOR_RETRY: 'yellow',
  STEP_SKIPPED: 'yellow',
  RUN_CANCELED: 'yellow',
  RUN_CANCELING: 'yellow',
};

/** One line per event: time, type, step and message; or the event as a JSON line. */
export function formatEvent(event: RunEvent, options: { json?: boolean; color?: boolean } = {}): string {
  if (options.json) return JSON.stringify(event);
  const color = options.color ?? useColor();
  const time = new Date(event.timestamp).toISOString().slice(11, 23);
  const type = event.type === 'LOG' ? `LOG ${event.level.toUpperCase()}` : event.type;
  const typeColor =
    TYPE_COLORS[event.type] ?? (event.level === 'error' ? 'red' : event.level === 'warning' ? 'yellow' : undefined);
  const paddedType = type.padEnd(17);
  let line = `${paint(time, 'gray', color)} ${typeColor ? paint(paddedType, typeColor, color) : paddedType} ${event.stepKey ? `${event.stepKey}: ` : ''}${event.message}`;
  if (event.data && event.type === 'LOG' && Object.keys(event.data).length) line += ` ${JSON.stringify(event.data)}`;
  // The message already carries the error chain; show where it came from for failures.
  if (event.error && (event.type === 'STEP_FAILURE' || event.type === 'RUN_FAILURE') && event.error.stack) {
    const frames = event.error.stack
      .split('\n')
      .filter((l) => l.trimStart().startsWith('at '))
      .slice(0, 3);
    if (frames.length) line += `\n${paint(frames.join('\n'), 'gray', color)}`;
  } else if (event.error && !event.message.includes(event.error.message)) {
    line += ` (${formatErrorChain(event.error)})`;
  }
  return line;
}
