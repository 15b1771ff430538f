import type { Context } from 'hono';
import { type SSEMessage, streamSSE } from 'hono/streaming';
import type { ServerContext } from './server-context.js';

export type { SSEMessage };

/** What a stream's source gets: a way to queue messages and a way to say it has nothing more. */
export interface SseSink {
  send(message: SSEMessage): void;
  end(): void;
}

const KEEPALIVE_MS = 15_000;

/**
 * A Server-Sent Events response fed by `start`, which subscribes to something and returns how to
 * unsubscribe. Messages are queued and written in order, one at a time, so a slow client only
 * delays itself; a comment line every 15 s keeps proxies from closing an idle stream. The stream
 * ends when the client goes, the source calls `end()`, or the server closes (`closing`). Each
 * client may hold only so many streams at once (`streams`): one more is refused with a 429.
 */
export function sseResponse(
  c: Context,
  { closing, streams }: Pick<ServerContext, 'closing' | 'streams'>,
  start: (sink: SseSink) => Promise<() => void>,
): Response {
  const release = streams.acquire(clientAddress(c));
  return streamSSE(c, async (stream) => {
    const queue: SSEMessage[] = [];
    let ended = false;
    let wake: (() => void) | undefined;
    const poke = () => {
      wake?.();
      wake = undefined;
    };
    const sink: SseSink = {
      send(message) {
        queue.push(message);
        poke();
      },
      end() {
        ended = true;
        poke();
      },
    };
    stream.onAbort(() => sink.end());
    const onClosing = () => sink.end();
    closing.addEventListener('abort', onClosing, { once: true });
    const keepalive = setInterval(() => {
      void stream.write(': keepalive\n\n').catch(() => sink.end());
    }, KEEPALIVE_MS);
    let stop: (() => void) | undefined;
    try {
      stop = await start(sink);
      while (!stream.aborted) {
        if (queue.length) {
          // Everything queued goes out in one write: a busy run's events cost one syscall per
          // batch, not one per event, for each of the clients following it.
          await stream.write(queue.splice(0).map(formatSse).join(''));
          continue;
        }
        if (ended || closing.aborted) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      clearInterval(keepalive);
      closing.removeEventListener('abort', onClosing);
      stop?.();
      release();
    }
  });
}

/** The peer's address as @hono/node-server gives it; one key for every request without one. */
function clientAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

/** One message in the text/event-stream format; `data` is JSON here, so it never holds a newline. */
function formatSse(message: SSEMessage): string {
  const id = message.id === undefined ? '' : `id: ${message.id}\n`;
  const event = message.event === undefined ? '' : `event: ${message.event}\n`;
  const data = String(message.data)
    .split('\n')
    .map((line) => `data: ${line}\n`)
    .join('');
  return `${id}${event}${data}\n`;
}
