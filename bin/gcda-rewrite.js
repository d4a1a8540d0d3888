#!/usr/bin/env node
import { main } from '../dist/cli/gcda-rewrite.js';
process.exitCode = await main(process.argv);
