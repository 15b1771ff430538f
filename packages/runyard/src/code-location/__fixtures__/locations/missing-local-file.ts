import { defineDefinitions } from 'runyard';
import { jobs } from './lib/does-not-exist.js';

export default defineDefinitions({ jobs });
