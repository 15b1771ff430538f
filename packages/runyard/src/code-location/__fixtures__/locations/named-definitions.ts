import { defineDefinitions } from 'runyard';

export const definitions = defineDefinitions({ jobs: [] });
