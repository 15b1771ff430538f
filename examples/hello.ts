/**
 * The smallest useful code location: three ops in a chain, one of them configurable.
 *
 *   npx runyard job execute -f examples/hello.ts -j hello
 *   npx runyard job execute -f examples/hello.ts -j hello -c examples/hello-config.yaml
 */
import { defineDefinitions, job, op } from 'runyard';
import { z } from 'zod';

const fetchName = op({
  name: 'fetch_name',
  description: 'Reads the name to greet from run config.',
  config: z.object({ name: z.string().min(1).default('world') }),
  run: (ctx) => {
    ctx.log.info(`greeting ${ctx.config.name}`);
    return ctx.config.name;
  },
});

const greet = op({
  name: 'greet',
  ins: { name: z.string() },
  run: (_ctx, { name }) => `Hello, ${name}!`,
});

const shout = op({
  name: 'shout',
  ins: { text: z.string() },
  run: (ctx, { text }) => {
    const loud = text.toUpperCase();
    ctx.log.info(loud);
    return loud;
  },
});

export const hello = job({
  name: 'hello',
  description: 'Greets someone, loudly.',
  tags: { team: 'examples' },
  graph: () => {
    shout({ text: greet({ name: fetchName() }) });
  },
});

export default defineDefinitions({ jobs: [hello] });
