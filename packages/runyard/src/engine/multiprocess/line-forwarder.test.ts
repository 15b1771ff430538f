import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineForwarder } from './line-forwarder.js';

function target() {
  const writes: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push(chunk.toString());
      done();
    },
  });
  return { stream, writes };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('LineForwarder', () => {
  it('writes whole lines only, holding a partial line until it ends', async () => {
    const source = new PassThrough();
    const { stream, writes } = target();
    new LineForwarder(source, stream);
    source.write('one\ntw');
    await tick();
    expect(writes).toEqual(['one\n']);
    source.write('o\nthree');
    await tick();
    expect(writes).toEqual(['one\n', 'two\n']);
    source.end();
    await tick();
    // What is left at the end gets its newline, so the next writer starts on a line of its own.
    expect(writes).toEqual(['one\n', 'two\n', 'three\n']);
  });

  it('keeps the last lines, and notices a pattern even after it left the tail', async () => {
    const source = new PassThrough();
    const forwarder = new LineForwarder(source, target().stream, { keepLines: 3, watchFor: /out of memory/ });
    source.write('FATAL: out of memory\n');
    for (let i = 1; i <= 5; i++) source.write(`frame ${i}\n`);
    source.write('partial');
    await tick();
    expect(forwarder.tail).toEqual(['frame 4', 'frame 5', 'partial']);
    expect(forwarder.sawPattern).toBe(true);
  });

  it('forgets the tail and the pattern when cleared, for the next attempt of a reused process', async () => {
    const source = new PassThrough();
    const forwarder = new LineForwarder(source, target().stream, { keepLines: 3, watchFor: /out of memory/ });
    source.write('FATAL: out of memory\nold line\n');
    await tick();
    forwarder.clearTail();
    expect(forwarder.tail).toEqual([]);
    expect(forwarder.sawPattern).toBe(false);
    source.write('new line\n');
    await tick();
    expect(forwarder.tail).toEqual(['new line']);
  });

  it('does not split a multi-byte character across writes', async () => {
    const source = new PassThrough();
    const { stream, writes } = target();
    new LineForwarder(source, stream);
    const bytes = Buffer.from('héllo ✓\n');
    source.write(bytes.subarray(0, 2));
    source.write(bytes.subarray(2));
    await tick();
    expect(writes).toEqual(['héllo ✓\n']);
  });
});
