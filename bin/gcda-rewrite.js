#!/usr/bin/env node
// The file helper thread starts first when the inputs include a tree (see
// prestartHelperForTrees): its start, about 0.1 s of CPU, then overlaps the loading of the
// program on the other CPU.
import { prestartHelperForTrees } from '../dist/tree/helper-thread.js';

prestartHelperForTrees(process.argv.slice(2));
const { main } = await import('../dist/cli/gcda-rewrite.js');
process.exitCode = await main(process.argv);
