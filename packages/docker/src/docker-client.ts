/**
 * The few Docker Engine API calls the launcher makes, typed here so that dockerode stays a lazily
 * loaded peer dependency: importing `@runyard/docker` loads no Docker client until a launcher
 * first talks to the engine, and tests or applications can hand in any object of this shape.
 */

export interface DockerContainerSummary {
  readonly Id: string;
  readonly Names?: readonly string[];
  readonly State?: string;
  readonly Labels?: Readonly<Record<string, string>>;
}

export interface DockerContainerState {
  readonly Status?: string;
  readonly Running?: boolean;
  readonly OOMKilled?: boolean;
  readonly Dead?: boolean;
  readonly ExitCode?: number;
  readonly Error?: string;
  readonly StartedAt?: string;
  readonly FinishedAt?: string;
}

export interface DockerContainerInspect {
  readonly Id: string;
  readonly Name?: string;
  readonly Created?: string;
  readonly State: DockerContainerState;
  readonly Config?: { readonly Image?: string; readonly Labels?: Readonly<Record<string, string>> };
  readonly HostConfig?: { readonly Memory?: number; readonly NanoCpus?: number };
}

/** The subset of the Engine API's create body that the launcher fills in. */
export interface DockerCreateOptions {
  readonly name?: string;
  readonly Image: string;
  readonly Entrypoint?: string[];
  readonly Cmd?: string[];
  readonly Env?: string[];
  readonly Labels?: Record<string, string>;
  readonly HostConfig?: {
    readonly NetworkMode?: string;
    readonly Binds?: string[];
    readonly Mounts?: { Type: 'bind' | 'volume' | 'tmpfs'; Source?: string; Target: string; ReadOnly?: boolean }[];
    readonly Memory?: number;
    readonly MemorySwap?: number;
    readonly NanoCpus?: number;
    readonly Init?: boolean;
  };
}

export interface DockerContainerHandle {
  start(): Promise<unknown>;
  inspect(): Promise<DockerContainerInspect>;
  kill(options: { signal: string }): Promise<unknown>;
  remove(options: { force?: boolean; v?: boolean }): Promise<unknown>;
  /** Non-TTY containers return stdout and stderr multiplexed; see `demuxDockerLogs`. */
  logs(options: { stdout: boolean; stderr: boolean; follow: false; tail: number }): Promise<Buffer>;
}

export interface DockerApi {
  createContainer(options: DockerCreateOptions): Promise<{ readonly id: string }>;
  getContainer(id: string): DockerContainerHandle;
  listContainers(options: { all: boolean; filters: string }): Promise<DockerContainerSummary[]>;
  /** A stream of JSON progress lines; `error` in one of them means the pull failed. */
  pull(image: string): Promise<NodeJS.ReadableStream>;
}

/** `unix:///var/run/docker.sock`, `tcp://host:2375`, `https://host:2376`, `ssh://user@host`. */
export function dockerodeOptions(dockerHost: string): Record<string, unknown> {
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  if (dockerHost.startsWith('/')) return { socketPath: dockerHost };
  const url = new URL(dockerHost.includes('//') ? dockerHost : `tcp://${dockerHost}`);
  const protocol = url.protocol === 'https:' ? 'https' : url.protocol === 'ssh:' ? 'ssh' : 'http';
  return {
    host: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    protocol,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
  };
}

/** The engine a launcher talks to, for messages: the configured host, else DOCKER_HOST, else the default socket. */
export function describeDockerHost(dockerHost: string | undefined): string {
  return dockerHost ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

/**
 * Imports dockerode on first use. Without `dockerHost`, dockerode reads DOCKER_HOST (and its TLS
 * variables) itself, as the docker CLI does.
 */
export async function loadDockerode(dockerHost: string | undefined): Promise<DockerApi> {
  let mod: { default: new (options?: Record<string, unknown>) => unknown };
  try {
    mod = (await import('dockerode')) as unknown as typeof mod;
  } catch (error) {
    throw new Error(
      "DockerRunLauncher needs the 'dockerode' package beside '@runyard/docker' (npm install dockerode)",
      { cause: error },
    );
  }
  const Docker = mod.default;
  return new Docker(dockerHost ? dockerodeOptions(dockerHost) : undefined) as DockerApi;
}

/** Reads a pull's progress stream to the end, failing on the first error the engine reports. */
export async function finishPull(stream: NodeJS.ReadableStream): Promise<void> {
  let buffered = '';
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) throwOnPullError(line);
  }
  throwOnPullError(buffered);
}

function throwOnPullError(line: string): void {
  if (!line.trim()) return;
  let parsed: { error?: string; errorDetail?: { message?: string } };
  try {
    parsed = JSON.parse(line);
  } catch {
    return;
  }
  const message = parsed.errorDetail?.message ?? parsed.error;
  if (message) throw new Error(message);
}

/**
 * Splits the engine's multiplexed log stream (8-byte frame headers: stream, 0, 0, 0, size) into
 * text. Output that is not framed (a TTY container) is returned as it is.
 */
export function demuxDockerLogs(data: Buffer | string): string {
  const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const framed = buffer.length >= 8 && buffer[0]! <= 2 && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0;
  if (!framed) return buffer.toString('utf8');
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** The engine's HTTP status on a failed call (dockerode sets `statusCode`). */
export function dockerStatusCode(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** True when the engine could not be reached at all (no socket, refused, timed out). */
export function isDockerUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    dockerStatusCode(error) === undefined &&
    typeof code === 'string' &&
    ['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE', 'EACCES'].includes(code)
  );
}
