#!/usr/bin/env node
// Runs dist/cli.cjs (a CommonJS bundle: Node 20's ESM loader costs more than the work, see
// scripts/build.mjs), with V8's code cache dist/cli.cache when it was made for exactly this
// bundle and this Node (scripts/code-cache.mjs); otherwise a plain require.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Module, createRequire } from 'node:module';
import { dirname } from 'node:path';
import vm from 'node:vm';

const require = createRequire(import.meta.url);
const file = require.resolve('../dist/cli.cjs');

function runWithCodeCache() {
  const loader = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  if (loader === undefined) return false;
  let source;
  let cache;
  try {
    source = readFileSync(file, 'utf8');
    cache = readFileSync(file.replace(/\.cjs$/, '.cache'));
  } catch {
    return false;
  }
  const digest = createHash('sha256').update(source).update(process.version).digest();
  if (cache.length <= digest.length || !cache.subarray(0, digest.length).equals(digest)) return false;
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData: cache.subarray(digest.length), importModuleDynamically: loader });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return true;
}

if (!runWithCodeCache()) require(file);
