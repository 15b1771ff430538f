import { defineDefinitions } from 'runyard';
import { readSettings } from './lib/explode.js';

const settings: { jobs: [] } = readSettings();

export default defineDefinitions(settings);
