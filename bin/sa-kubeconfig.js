#!/usr/bin/env node
// Runs dist/cli.cjs with V8's code cache dist/cli.cache when the cache was made for exactly this
// bundle and this Node (scripts/code-cache.mjs); otherwise a plain require. This file is CommonJS
// (bin/package.json) and so is the bundle: measured here, Node 20's ESM loader costs ~10 ms for
// this one file alone, and ~30 ms across a chunked ESM bundle (scripts/build.mjs).
'use strict';
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { Module, createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const file = join(__dirname, '..', 'dist', 'cli.cjs');

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
  // V8 checks its version and flags, but of the source only its length: hence our own digest.
  const digest = createHash('sha256').update(source).update(process.version).digest();
  if (cache.length <= digest.length || !cache.subarray(0, digest.length).equals(digest)) return false;
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData: cache.subarray(digest.length), importModuleDynamically: loader });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return true;
}

if (!runWithCodeCache()) require(file);
