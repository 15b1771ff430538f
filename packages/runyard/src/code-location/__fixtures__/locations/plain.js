// A JavaScript location: imported by Node as it is.
import { defineDefinitions, job, op } from 'runyard';

const ping = op({ name: 'ping', run: () => 'pong' });

export default defineDefinitions({ jobs: [job({ name: 'ping_job', graph: () => void ping() })] });
