#!/usr/bin/env node
// The installed CLI: runs the compiled library (npm install builds it via "prepare").
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
