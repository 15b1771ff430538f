import { op } from 'runyard';
import { z } from 'zod';

export const greet = op({
  name: 'greet',
  config: z.object({ name: z.string() }),
  run: (ctx) => `hello ${ctx.config.name}`,
});

export const shout = op({
  name: 'shout',
  ins: { text: z.string() },
  run: (_ctx, { text }) => text.toUpperCase(),
});
