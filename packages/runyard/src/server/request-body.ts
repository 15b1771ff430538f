import type { Context } from 'hono';
import type { z } from 'zod';
import { badRequest, HttpError } from './http-error.js';
import { checkNestingDepth, jsonNestingDepth } from './nesting-depth.js';

/**
 * Reads a JSON body and checks it against a strict schema: malformed JSON, a wrong content type
 * and unknown fields are the caller's mistakes (400/415), each named, and so is a body nested
 * deeper than any request needs (checked before parsing). An empty body counts as `{}` so that
 * `POST /api/runs/:id/terminate` needs none.
 */
export async function readJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const text = await c.req.text();
  let value: unknown = {};
  if (text.trim() !== '') {
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/json\b/i.test(type))
      throw new HttpError(
        415,
        'unsupported_media_type',
        `expected content-type application/json, got '${type || 'none'}'`,
      );
    checkNestingDepth('the JSON body', jsonNestingDepth(text));
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw badRequest(`the body is not valid JSON: ${(error as Error).message}`);
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
    }));
    throw badRequest(
      `invalid request body: ${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  return parsed.data;
}
