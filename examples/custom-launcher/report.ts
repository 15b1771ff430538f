/** A job that reports the scheduling priority it ran at, to show the custom launcher at work. */
import os from 'node:os';
import { defineDefinitions, job, op } from 'runyard';

const priority = op({
  name: 'priority',
  run: (ctx) => {
    const niceness = os.getPriority();
    ctx.log.info(`running at niceness ${niceness}`, { niceness });
    return niceness;
  },
});

export const report = job({ name: 'report', graph: () => void priority() });

export default defineDefinitions({ jobs: [report] });
