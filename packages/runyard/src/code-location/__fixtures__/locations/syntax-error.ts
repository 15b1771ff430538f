import { defineDefinitions } from 'runyard';

const limit: number = ;

export default defineDefinitions({ jobs: [] });
