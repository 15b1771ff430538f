/**
 * Errors cross process boundaries (step processes, run workers) as plain data inside events,
 * so a thrown value is flattened to this shape with its cause chain kept.
 */
export interface ErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly cause?: ErrorInfo;
  /** Extra structured data carried by Runyard errors (exit code, signal, step key …). */
  readonly data?: Record<string, unknown>;
}

const MAX_CAUSE_DEPTH = 8;

/**
 * Turns anything thrown into plain, serializable error data (message, name, stack, causes), as events
 * store it.
 */
export function toErrorInfo(value: unknown, depth = 0): ErrorInfo {
  if (value instanceof Error) {
    const data = (value as { data?: unknown }).data;
    const info: {
      name: string;
      message: string;
      stack?: string;
      cause?: ErrorInfo;
      data?: Record<string, unknown>;
    } = { name: value.name, message: value.message };
    if (value.stack) info.stack = value.stack;
    if (value.cause !== undefined && depth < MAX_CAUSE_DEPTH) info.cause = toErrorInfo(value.cause, depth + 1);
    if (data && typeof data === 'object') info.data = data as Record<string, unknown>;
    return info;
  }
  if (value && typeof value === 'object' && 'message' in value) {
    return { name: 'Error', message: String((value as { message: unknown }).message) };
  }
  return { name: 'Error', message: typeof value === 'string' ? value : safeStringify(value) };
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** One line per error in the cause chain: "Error: outer ← caused by TypeError: inner". */
export function formatErrorChain(info: ErrorInfo): string {
  const parts: string[] = [];
  for (let cur: ErrorInfo | undefined = info; cur; cur = cur.cause) parts.push(`${cur.name}: ${cur.message}`);
  return parts.join(' ← caused by ');
}
