import { defineDefinitions } from 'runyard';
import { settings } from './lib/bad-helper.js';

export default defineDefinitions({ jobs: settings.jobs });
