import { defineDefinitions } from 'runyard';

export default defineDefinitions({
  jobs: [
});
