// Bundled code runs from the cache directory; import.meta must still describe this file.

import * as runyard from 'runyard';
import { defineDefinitions } from 'runyard';

export const url = import.meta.url;
export const dirname = import.meta.dirname;
export const runyardJob = runyard.job;

export default defineDefinitions({ jobs: [] });
