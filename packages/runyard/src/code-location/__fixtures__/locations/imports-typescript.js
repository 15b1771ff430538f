import { defineDefinitions, job } from 'runyard';
import { greet } from './lib/ops.ts';

export default defineDefinitions({ jobs: [job({ name: 'greeting', graph: () => void greet() })] });
