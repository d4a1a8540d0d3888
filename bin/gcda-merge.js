#!/usr/bin/env node
import { main } from '../dist/cli/gcda-merge.js';
process.exitCode = await main(process.argv);
