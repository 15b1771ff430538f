import { pad } from '@runyard-fixtures/not-installed/pad';
import { defineDefinitions } from 'runyard';

export default defineDefinitions({ jobs: pad([]) });
