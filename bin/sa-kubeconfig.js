#!/usr/bin/env node
// The bundle is CommonJS (see scripts/build.mjs: Node 20's ESM loader costs more than the work).
import { createRequire } from 'node:module';

createRequire(import.meta.url)('../dist/cli.cjs');
