import { defineDefinitions } from 'runyard';
import { settings } from './syntax-error-helper.js';

export default defineDefinitions({ jobs: settings.jobs });
