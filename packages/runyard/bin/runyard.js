#!/usr/bin/env node
// Thin launcher so the compiled CLI can be found from `npx runyard` and from the workspace.
import('../dist/cli/main.js').then((cli) => cli.main(process.argv));
