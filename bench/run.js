// `npm run bench`: every benchmark, measured side by side in one run, printed as a table.
import { coreBenchmarks } from './core.js';
import { report } from './lib/measure.js';

const rows = [['benchmark', 'figure', 'compared with'], ...(await coreBenchmarks())];
report(rows);
