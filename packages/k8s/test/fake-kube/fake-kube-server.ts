/**
 * TEST TOOL: the HTTP face of the fake Kubernetes API server (see README.md here). Serves
 * `batch/v1` Jobs (+ /status), `core/v1` Pods (+ /status, /log) and Events: list, get, create,
 * delete (propagationPolicy, gracePeriodSeconds), and watch (NDJSON, headers flushed at once,
 * 410 Gone for a too-old resourceVersion), with JSON content types and real `Status` error bodies,
 * which is what @kubernetes/client-node 1.4 needs.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeKubeStore, Kind, Obj } from './fake-kube-store.js';
import { validateJob } from './fake-kube-validate.js';

export interface FakeKubeHandlers {
  deleteJob(ns: string, name: string, policy: string, grace: number | undefined): void;
  deletePod(ns: string, name: string, grace: number | undefined): void;
  podLog(ns: string, name: string, tailLines: number | undefined): Promise<string>;
}

export interface FakeKubeHttp {
  readonly url: string;
  /** Requests served, by `METHOD kind` (`GET pods`, `WATCH jobs` …). */
  readonly requests: Map<string, number>;
  /** Ends every open watch abruptly, as a network failure would. */
  dropWatches(): void;
  close(): Promise<void>;
}

const ROUTE =
  /^\/(?:api\/v1|apis\/batch\/v1)\/namespaces\/([^/]+)\/(jobs|pods|events)(?:\/([^/]+))?(?:\/(status|log))?$/;

export async function serveFakeKube(store: FakeKubeStore, handlers: FakeKubeHandlers): Promise<FakeKubeHttp> {
  const requests = new Map<string, number>();
  const watches = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => sendStatus(res, 500, 'InternalError', String(error)));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const match = ROUTE.exec(url.pathname);
    if (!match)
      return sendStatus(res, 404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
    const [, ns, kindName, name, sub] = match as unknown as [
      string,
      string,
      Kind,
      string | undefined,
      string | undefined,
    ];
    const kind = kindName;
    const q = url.searchParams;
    const isWatch = q.get('watch') === 'true' || q.get('watch') === '1';
    const verb = isWatch ? 'WATCH' : (req.method ?? 'GET');
    requests.set(`${verb} ${kind}`, (requests.get(`${verb} ${kind}`) ?? 0) + 1);
    const body =
      req.method === 'POST' || req.method === 'PUT' || req.method === 'DELETE' ? await readBody(req) : undefined;

    if (!name && req.method === 'GET' && isWatch) return watch(res, kind, ns, q);
    if (!name && req.method === 'GET') {
      const selector = q.get('labelSelector') ?? undefined;
      let items = store.list(kind, ns, selector);
      const field = /^involvedObject\.name=(.*)$/.exec(q.get('fieldSelector') ?? '');
      if (field) items = items.filter((e) => e.involvedObject?.name === field[1]);
      const listKind = `${kind === 'jobs' ? 'Job' : kind === 'pods' ? 'Pod' : 'Event'}List`;
      return sendJson(res, 200, {
        kind: listKind,
        apiVersion: kind === 'jobs' ? 'batch/v1' : 'v1',
        metadata: { resourceVersion: store.resourceVersion },
        items,
      });
    }
    if (!name && req.method === 'POST' && kind === 'jobs') {
      const job = (body ?? {}) as Obj;
      const problems = validateJob(job);
      if (problems.length)
        return sendStatus(
          res,
          422,
          'Invalid',
          `Job.batch "${job.metadata?.name ?? ''}" is invalid: ${problems.join('; ')}`,
          job.metadata?.name,
          'jobs',
        );
      if (store.get('jobs', ns, job.metadata.name))
        return sendStatus(
          res,
          409,
          'AlreadyExists',
          `jobs.batch "${job.metadata.name}" already exists`,
          job.metadata.name,
          'jobs',
        );
      const created = store.create('jobs', { ...job, metadata: { ...job.metadata, namespace: ns }, status: {} });
      return sendJson(res, 201, created);
    }
    if (!name) return sendStatus(res, 405, 'MethodNotAllowed', `${req.method} is not supported on ${kind} here`);

    const current = store.get(kind, ns, name);
    const notFound = () =>
      sendStatus(res, 404, 'NotFound', `${kind === 'jobs' ? 'jobs.batch' : kind} "${name}" not found`, name, kind);
    if (!current) return notFound();
    if (req.method === 'GET' && sub === 'log') {
      const tail = q.get('tailLines');
      const text = await handlers.podLog(ns, name, tail === null ? undefined : Number(tail));
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end(text);
    }
    if (req.method === 'GET') return sendJson(res, 200, current);
    if (req.method === 'PUT' && sub === 'status') {
      return sendJson(res, 200, store.update(kind, { ...current, status: (body as Obj)?.status ?? {} }));
    }
    if (req.method === 'DELETE') {
      const options = (body ?? {}) as Obj;
      const graceText = q.get('gracePeriodSeconds') ?? options.gracePeriodSeconds;
      const grace = graceText === undefined || graceText === null ? undefined : Number(graceText);
      // batch/v1 Jobs orphan their pods by default, for compatibility; clients must ask for more.
      const policy = String(q.get('propagationPolicy') ?? options.propagationPolicy ?? 'Orphan');
      if (kind === 'jobs') handlers.deleteJob(ns, name, policy, grace);
      else if (kind === 'pods') handlers.deletePod(ns, name, grace);
      else store.remove(kind, ns, name);
      return sendJson(res, 200, store.get(kind, ns, name) ?? current);
    }
    return sendStatus(res, 405, 'MethodNotAllowed', `${req.method} is not supported on ${kind}/${sub ?? ''} here`);
  }

  function watch(res: ServerResponse, kind: Kind, ns: string, q: URLSearchParams): void {
    const rv = q.get('resourceVersion') ?? '';
    // Events replayed from the history come before the headers are written; hold them until then.
    const early: string[] = [];
    let open = false;
    const send = (type: string, object: Obj) => {
      const line = `${JSON.stringify({ type, object })}\n`;
      if (open) res.write(line);
      else early.push(line);
    };
    const stop = store.watch({ kind, namespace: ns, selector: q.get('labelSelector') ?? undefined, send }, rv);
    if (stop === false) {
      sendStatus(res, 410, 'Expired', `too old resource version: ${rv} (${store.resourceVersion})`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    open = true;
    for (const line of early) res.write(line);
    watches.add(res);
    res.on('close', () => {
      stop();
      watches.delete(res);
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    dropWatches() {
      for (const res of watches) res.destroy();
    },
    async close() {
      for (const res of watches) res.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text ? JSON.parse(text) : undefined);
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A `Status` body, as the API server sends with every error; the client exposes it as `e.body`. */
function sendStatus(
  res: ServerResponse,
  code: number,
  reason: string,
  message: string,
  name?: string,
  kind?: string,
): void {
  sendJson(res, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(name ? { details: { name, kind } } : {}),
    code,
  });
}
