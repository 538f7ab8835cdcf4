#!/usr/bin/env node
// The installed CLI: runs the compiled library (npm install builds it via "prepare").
// No top-level await on main(): if the event loop ever empties while a command is pending, Node
// ends an unsettled top-level await with exit code 13 and no message; instead the beforeExit
// check in src/cli/fatal.ts reports it as an internal error (see the README, exit codes).
import { main, installProcessHandlers } from '../dist/cli/main.js';

installProcessHandlers();
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
