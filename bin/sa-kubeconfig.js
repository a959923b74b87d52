#!/usr/bin/env node
// Runs dist/cli.cjs with V8's code cache dist/cli.cache when the cache was made for exactly this
// bundle (scripts/code-cache.mjs); otherwise a plain require. This file is CommonJS
// (bin/package.json) and so is the bundle: measured here, Node 20's ESM loader costs ~10 ms for
// this one file alone, and ~30 ms across a chunked ESM bundle (scripts/build.mjs).
//
// The cache file holds a copy of the bundle it was made from, and is used only when dist/cli.cjs
// is byte for byte that copy. V8 checks its own version and flags (and then sets
// cachedDataRejected and compiles normally), but of the source only its length. Comparing bytes
// instead of a sha256 digest keeps node:crypto (~3 ms of start-up) out of every run.
'use strict';
// Not node:module (Module.wrap, createRequire): loading it cost more start-up here than reading
// and checking both files. The bundle gets this file's require, which is the same for what it
// loads: built-in modules and, by absolute path, dist/demo.cjs.
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const file = join(__dirname, '..', 'dist', 'cli.cjs');
// The header names the Node that made the cache: V8 checks only its own version, which stays the
// same across Node 20 releases that patch it.
const MAGIC = `sa-kubeconfig code cache 4\n${process.version}\n`;
// Node's CommonJS wrapper (Module.wrapper), around the bundle in the cache.
const PREFIX = '(function (exports, require, module, __filename, __dirname) { ';
const SUFFIX = '\n});';

function runWithCodeCache() {
  const loader = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  if (loader === undefined) return false;
  let source;
  let cache;
  try {
    source = readFileSync(file);
    cache = readFileSync(file.replace(/\.cjs$/, '.cache'));
  } catch {
    return false;
  }
  // Layout (scripts/code-cache.mjs): MAGIC (with the Node version), the bundle's length as 10
  // decimal digits, the bundle inside Node's CommonJS wrapper, zero padding to a multiple of 8,
  // V8's data.
  const header = MAGIC.length + 10;
  if (cache.length <= header || cache.toString('latin1', 0, MAGIC.length) !== MAGIC) return false;
  if (Number(cache.toString('latin1', MAGIC.length, header)) !== source.length) return false;
  const start = header + PREFIX.length;
  const end = start + source.length + SUFFIX.length;
  const data = Math.ceil(end / 8) * 8;
  if (cache.length <= data || cache.toString('latin1', header, start) !== PREFIX || cache.toString('latin1', end - SUFFIX.length, end) !== SUFFIX) return false;
  if (!cache.subarray(start, start + source.length).equals(source)) return false;
  // The wrapped text as one flat string (the build checks that the bundle is ASCII, so latin1
  // decodes it exactly, and faster than utf8), and V8's data at an 8-byte boundary: neither is
  // copied again.
  const wrapped = cache.toString('latin1', header, end);
  const script = new vm.Script(wrapped, { filename: file, cachedData: cache.subarray(data), importModuleDynamically: loader });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, require, module, file, dirname(file));
  return true;
}

if (!runWithCodeCache()) require(file);
