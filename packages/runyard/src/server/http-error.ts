import type { ConfigIssue } from '../errors.js';

export type HttpErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 421 | 429 | 500;

export interface ApiIssue extends ConfigIssue {
  /** 1-based line in the YAML the caller sent, when the issue can be placed there. */
  readonly line?: number;
}

/** An answer the API gives on purpose: a status, a stable code and a message for people. */
export class HttpError extends Error {
  constructor(
    readonly status: HttpErrorStatus,
    readonly code: string,
    message: string,
    readonly issues?: readonly ApiIssue[],
  ) {
    super(message);
    this.name = 'HttpError';
  }

  toBody(): { error: { code: string; message: string; issues?: readonly ApiIssue[] } } {
    return { error: { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) } };
  }
}

export const badRequest = (message: string, issues?: readonly ApiIssue[]) =>
  new HttpError(400, 'bad_request', message, issues);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);
export const conflict = (message: string) => new HttpError(409, 'conflict', message);
