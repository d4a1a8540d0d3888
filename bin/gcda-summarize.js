#!/usr/bin/env node
import { main } from '../dist/cli/gcda-summarize.js';
process.exitCode = await main(process.argv);
