/**
 * Variables only the process that holds them may use: the UI server's access token, and whatever
 * server-only secret comes next. A run worker runs user code and every npm package it imports, so
 * none of these may reach a worker, a step process, a container, a pod or a task.
 */
export const SERVER_ONLY_ENV: readonly string[] = ['RUNYARD_AUTH_TOKEN'];

type EnvSource = Readonly<Record<string, string | undefined>> | undefined;

/**
 * The environment for a worker (or any process a launcher starts), merged from `sources` in order,
 * later ones winning, with unset values and every server-only variable left out. Every launcher
 * builds its child's environment through this one function, so a new secret is added in one place.
 *
 *   spawn(cmd, args, { env: workerEnvironment(process.env, config.env, { RUNYARD_INSTANCE }) })
 */
export function workerEnvironment(...sources: readonly EnvSource[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of sources) {
    if (!source) continue;
    for (const [name, value] of Object.entries(source)) if (value !== undefined) env[name] = value;
  }
  for (const name of SERVER_ONLY_ENV) delete env[name];
  return env;
}
