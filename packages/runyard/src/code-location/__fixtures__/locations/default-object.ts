import { hello } from './hello.js';

export default { jobs: [hello] };
