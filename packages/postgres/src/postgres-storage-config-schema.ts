import { z } from 'zod';
import { parsePostgresUrl } from './postgres-connection-settings.js';
import { type PostgresStorageConfig, SCHEMA_NAME } from './postgres-storage-config.js';

/*
 * PostgresStorage's config schema. Values read with `{ env: NAME }` arrive as strings, so numbers
 * and booleans also accept their string forms ('5432', 'true'). No message here repeats a value:
 * the url and the password are secrets.
 */

const booleanish = z.union([
  z.boolean(),
  z.enum(['true', 'false'], { error: "expected true or false (or the strings 'true', 'false')" }),
]);
const toBoolean = (value: boolean | 'true' | 'false'): boolean => value === true || value === 'true';

function wholeNumber(min: number, max: number) {
  return z
    .union([z.number(), z.string().regex(/^\d+$/, { error: 'expected a whole number' }).transform(Number)])
    .pipe(z.number().int().min(min).max(max));
}

const url = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    try {
      parsePostgresUrl(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });

const ssl = z.union([
  booleanish.transform(toBoolean),
  z
    .object({
      rejectUnauthorized: booleanish.transform(toBoolean).optional(),
      ca: z.string().min(1).optional(),
    })
    .strict(),
]);

export const postgresStorageConfigSchema = z
  .object({
    url: url.optional(),
    host: z.string().min(1).optional(),
    port: wholeNumber(1, 65_535).optional(),
    user: z.string().min(1).optional(),
    password: z.string().optional(),
    database: z.string().min(1).optional(),
    ssl: ssl.optional(),
    schema: z
      .string()
      .regex(SCHEMA_NAME, { error: 'expected a plain identifier: a letter or _, then letters, digits or _ (≤ 63)' })
      .optional(),
    poolSize: wholeNumber(1, 1_000).optional(),
    autoMigrate: booleanish.transform(toBoolean).optional(),
    applicationName: z.string().min(1).optional(),
  })
  .strict() satisfies z.ZodType<PostgresStorageConfig>;

export type PostgresStorageConfigSchema = typeof postgresStorageConfigSchema;
