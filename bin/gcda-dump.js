#!/usr/bin/env node
import { main } from '../dist/cli/gcda-dump.js';
process.exitCode = await main(process.argv);
