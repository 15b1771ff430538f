/**
 * The last lines of a task's awslogs stream, for EcsRunLauncher's debug info: why a worker died is
 * often in its final output. `@aws-sdk/client-cloudwatch-logs` is an optional peer dependency; the
 * caller says where the stream is when the package or the stream cannot be read.
 */

/** The CloudWatch Logs call the tail makes. */
export interface LogTailApi {
  getLogEvents(input: {
    logGroupName: string;
    logStreamName: string;
    startFromHead: false;
    limit: number;
  }): Promise<{ events?: { message?: string }[] }>;
}

export interface LogTailOptions {
  readonly group: string;
  readonly stream: string;
  readonly lines: number;
  readonly region?: string;
  readonly endpoint?: string;
  readonly logs?: LogTailApi;
}

export async function readLogTail(options: LogTailOptions): Promise<string[]> {
  const logs = options.logs ?? (await loadLogs(options));
  const { events = [] } = await logs.getLogEvents({
    logGroupName: options.group,
    logStreamName: options.stream,
    startFromHead: false,
    limit: options.lines,
  });
  return events.map((e) => e.message ?? '');
}

async function loadLogs(options: LogTailOptions): Promise<LogTailApi> {
  let mod: { CloudWatchLogs: new (config: Record<string, unknown>) => unknown };
  try {
    mod = (await import('@aws-sdk/client-cloudwatch-logs')) as unknown as typeof mod;
  } catch {
    throw new Error("the '@aws-sdk/client-cloudwatch-logs' package is not installed");
  }
  return new mod.CloudWatchLogs({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  }) as LogTailApi;
}
