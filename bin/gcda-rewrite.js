#!/usr/bin/env node
// When the inputs include a tree of 2,000 files or more, the file helper thread starts first
// and walks the tree (see prestartHelperForTrees): its start, about 0.1 s of CPU, and the walk
// then overlap the loading of the program on the other CPU.
import { prestartHelperForTrees } from '../dist/tree/helper-thread.js';

prestartHelperForTrees(process.argv.slice(2), ['.gcda', '.gcno']);
const { main } = await import('../dist/cli/gcda-rewrite.js');
process.exitCode = await main(process.argv);
