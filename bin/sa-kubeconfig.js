#!/usr/bin/env node
// Runs dist/cli.cjs with V8's code cache dist/cli.cache when the cache was made for exactly this
// bundle (scripts/code-cache.mjs); otherwise from its source. The bundle's require loads the
// other bundles of dist/ it needs the same way, each once: dist/probe.cjs, kubectl.cjs,
// claims.cjs and codec.cjs with their caches, dist/demo.cjs (which has none) from source.
// This file is CommonJS (bin/package.json) and so are the bundles: measured here, Node 20's ESM
// loader costs ~10 ms for this one file alone, and ~30 ms across a chunked ESM bundle
// (scripts/build.mjs).
//
// A cache file holds a copy of the bundle it was made from, and is used only when the bundle is
// byte for byte that copy. V8 checks its own version and flags (and then sets
// cachedDataRejected and compiles normally), but of the source only its length. Comparing bytes
// instead of a sha256 digest keeps node:crypto (~3 ms of start-up) out of every run.
'use strict';
// Not node:module (Module.wrap, createRequire): loading it cost more start-up here than reading
// and checking both files. A bundle gets requireBundle, which is this file's require for what
// bundles load besides each other: built-in modules only.
const { closeSync, openSync, readFileSync, readSync } = require('node:fs');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const dist = join(__dirname, '..', 'dist');
// The header names the Node that made the cache: V8 checks only its own version, which stays the
// same across Node 20 releases that patch it.
const MAGIC = `sa-kubeconfig code cache 5\n${process.version}\n`;
// Node's CommonJS wrapper (Module.wrapper), around the bundle in the cache.
const PREFIX = '(function (exports, require, module, __filename, __dirname) { ';
const SUFFIX = '\n});';

/** The bundles run so far, by path: like require's own cache, each runs once. */
const bundles = new Map();

/**
 * require() as the bundles see it: a bundle of dist/ runs here, cached or not, so that every
 * bundle that loads it gets the same module (a bundle left to Node's require would load the
 * bundles it needs through Node's require again, a second copy of each); anything else is
 * Node's require.
 */
function requireBundle(id) {
  if (dirname(id) !== dist || !id.endsWith('.cjs')) return require(id);
  let module = bundles.get(id);
  if (module === undefined) {
    module = { exports: {} };
    // Registered before it runs, as require() does (a cycle sees the exports so far); forgotten
    // if it throws, so that a later require tries again.
    bundles.set(id, module);
    try {
      runBundle(id, module);
    } catch (error) {
      bundles.delete(id);
      throw error;
    }
  }
  return module.exports;
}

/** Runs the bundle into `module`: from its code cache when it has a usable one, else from its source. */
function runBundle(file, module) {
  const loader = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  const cached = loader === undefined ? undefined : readCodeCache(file);
  let script;
  if (cached !== undefined) {
    script = new vm.Script(cached.wrapped, { filename: file, cachedData: cached.data, importModuleDynamically: loader });
  } else {
    // utf8, not latin1: a bundle edited after the build may no longer be ASCII.
    const wrapped = `${PREFIX}${readFileSync(file, 'utf8')}${SUFFIX}`;
    script = new vm.Script(wrapped, { filename: file, ...(loader === undefined ? {} : { importModuleDynamically: loader }) });
  }
  script.runInThisContext().call(module.exports, module.exports, requireBundle, module, file, dirname(file));
}

/** The wrapped bundle text and V8's data from the bundle's cache file, or undefined if it has no usable one. */
function readCodeCache(file) {
  let fd;
  try {
    // dist/demo.cjs (0.7 MB) has no cache: nothing of it is read here.
    fd = openSync(file.replace(/\.cjs$/, '.cache'), 'r');
  } catch {
    return undefined;
  }
  try {
    return readOpenCodeCache(fd, file);
  } catch {
    return undefined;
  } finally {
    try {
      closeSync(fd);
    } catch {
      /* only read from; the answer stands */
    }
  }
}

/**
 * Layout (scripts/code-cache.mjs): MAGIC (with the Node version), the bundle's length and V8's
 * data's length as 10 decimal digits each, the bundle inside Node's CommonJS wrapper, zero padding
 * to a multiple of 8, V8's data. The wrapped text and then V8's data are read into one buffer:
 * once the text is a string, its bytes are not needed, and the data reuses their pages (a buffer
 * of the whole file touched ~45 more fresh pages, ~0.2 ms here).
 */
function readOpenCodeCache(fd, file) {
  const header = MAGIC.length + 20;
  const head = Buffer.allocUnsafe(header);
  if (readFully(fd, head, header, 0) !== header || head.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
  const length = Number(head.toString('latin1', MAGIC.length, MAGIC.length + 10));
  const dataLength = Number(head.toString('latin1', MAGIC.length + 10, header));
  if (!Number.isSafeInteger(length) || !Number.isSafeInteger(dataLength) || dataLength <= 0) return undefined;
  const wrappedLength = PREFIX.length + length + SUFFIX.length;
  const dataStart = Math.ceil((header + wrappedLength) / 8) * 8;
  // V8's data at the start of the buffer, which is 8-byte aligned: V8 does not copy it (AlignedCachedData).
  const buffer = Buffer.allocUnsafeSlow(Math.max(wrappedLength, dataLength));
  if (readFully(fd, buffer, wrappedLength, header) !== wrappedLength) return undefined;
  if (buffer.toString('latin1', 0, PREFIX.length) !== PREFIX || buffer.toString('latin1', wrappedLength - SUFFIX.length, wrappedLength) !== SUFFIX) return undefined;
  if (!fileEquals(file, buffer.subarray(PREFIX.length, PREFIX.length + length))) return undefined;
  // The wrapped text as one flat string (the build checks that the bundle is ASCII, so latin1
  // decodes it exactly, and faster than utf8).
  const wrapped = buffer.toString('latin1', 0, wrappedLength);
  if (readFully(fd, buffer, dataLength, dataStart) !== dataLength) return undefined;
  return { wrapped, data: buffer.subarray(0, dataLength) };
}

/** Reads up to `length` bytes at `position` into the start of `buffer`; the number read (fewer only at the end of the file). */
function readFully(fd, buffer, length, position) {
  let done = 0;
  while (done < length) {
    const read = readSync(fd, buffer, done, length - done, position + done);
    if (read === 0) break;
    done += read;
  }
  return done;
}

/**
 * Whether the file holds exactly these bytes. Read and compared a piece at a time: reading the
 * whole bundle into a buffer of its own touched ~75 more fresh pages of memory (perf stat), ~0.2 ms
 * of every start-up on this machine, for bytes that are thrown away after the comparison.
 */
function fileEquals(file, expected) {
  let fd;
  try {
    fd = openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const piece = Buffer.allocUnsafe(64 * 1024);
    for (let offset = 0; ; ) {
      const read = readSync(fd, piece, 0, piece.length, null);
      if (read === 0) return offset === expected.length;
      if (offset + read > expected.length || !piece.subarray(0, read).equals(expected.subarray(offset, offset + read))) return false;
      offset += read;
    }
  } catch {
    return false;
  } finally {
    try {
      closeSync(fd);
    } catch {
      /* nothing was written through it; the answer stands */
    }
  }
}

const cli = join(dist, 'cli.cjs');
try {
  requireBundle(cli);
} catch (error) {
  // A checkout that was never built (npm ci builds it, through `prepare`): say so, in one line.
  if (error?.code !== 'ENOENT' || error.path !== cli) throw error;
  process.stderr.write(`error: ${cli} is missing: run \`npm run build\` (npm ci does it)\n`);
  process.exitCode = 1;
}
