// Writes a kubeconfig as YAML without js-yaml, for the values the kubeconfigs we write hold: block
// mappings and sequences of plain strings and booleans. Anything else (a string that would need
// quotes, a number, a null) returns undefined, and the caller falls back to js-yaml's dump
// (codec.ts). For every value it does emit, the text is byte for byte what js-yaml's dump gives
// with codec.ts's options; test/unit/kubeconfig/emitter.test.ts holds it to that, on generated
// values.
//
// Why not always js-yaml: measured with callgrind, loading js-yaml and its first dump were ~9M of
// the ~45M instructions `init` adds to an empty Node process (its schema set-up at import, and
// the five regular expressions it compiles to test every string against YAML's other types).
// A new kubeconfig in a pod is never parsed, so there js-yaml is now not loaded at all.
import type { Kubeconfig } from './schema.js';

/**
 * The document client-go's Write produces: named lists sorted by name, apiVersion, kind and
 * current-context always present (keys are sorted by the emitter, as by js-yaml's sortKeys).
 */
export function normalizeForWrite(config: Kubeconfig): Kubeconfig {
  return {
    ...config,
    apiVersion: config.apiVersion ?? 'v1',
    kind: config.kind ?? 'Config',
    clusters: sortByName(config.clusters ?? []),
    users: sortByName(config.users ?? []),
    contexts: sortByName(config.contexts ?? []),
    'current-context': config['current-context'] ?? '',
  };
}

/** The kubeconfig's YAML text, or undefined when it holds a value only js-yaml can write. */
export function emitKubeconfig(config: Kubeconfig): string | undefined {
  const text = emitNode(normalizeForWrite(config), 0, true, 0);
  return text === undefined ? undefined : `${text}\n`;
}

/** Deeper than any kubeconfig; also stops a cycle (js-yaml with noRefs would recurse forever). */
const MAX_DEPTH = 64;
/** js-yaml writes a key longer than 1024 characters as an explicit `? key` pair. */
const MAX_KEY_LENGTH = 1000;

/**
 * js-yaml's writeNode for block context with indent 2: `compact` is true for the top level and
 * for a value right after a sequence's dash, where the first line needs no line break.
 */
function emitNode(value: unknown, level: number, compact: boolean, depth: number): string | undefined {
  if (depth > MAX_DEPTH) return undefined;
  if (typeof value === 'string') return isPlainScalar(value) ? value : value === '' ? '""' : undefined;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return emitSequence(value, level, compact, depth);
  if (value !== null && typeof value === 'object') {
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return undefined;
    return emitMapping(value as Record<string, unknown>, level, compact, depth);
  }
  return undefined;
}

/** js-yaml's writeBlockMapping with sortKeys: keys in sort() order, undefined values skipped. */
function emitMapping(object: Record<string, unknown>, level: number, compact: boolean, depth: number): string | undefined {
  const keys = Object.keys(object);
  if (keys.length === 0) return '{}';
  keys.sort();
  let result = '';
  for (const key of keys) {
    const item = object[key];
    if (item === undefined) continue;
    if (key.length > MAX_KEY_LENGTH || !isPlainScalar(key)) return undefined;
    const text = emitNode(item, level + 1, false, depth + 1);
    if (text === undefined) return undefined;
    if (!compact || result !== '') result += nextLine(level);
    result += text.charCodeAt(0) === LINE_FEED ? `${key}:${text}` : `${key}: ${text}`;
  }
  return result === '' ? '{}' : result;
}

/** js-yaml's writeBlockSequence without noArrayIndent: items one level deeper than their key. */
function emitSequence(list: readonly unknown[], level: number, compact: boolean, depth: number): string | undefined {
  if (list.length === 0) return '[]';
  let result = '';
  for (const item of list) {
    // js-yaml writes an undefined item as null; only js-yaml writes that.
    const text = emitNode(item, level + 1, true, depth + 1);
    if (text === undefined) return undefined;
    if (!compact || result !== '') result += nextLine(level);
    result += text.charCodeAt(0) === LINE_FEED ? `-${text}` : `- ${text}`;
  }
  return result;
}

const LINE_FEED = 10;

function nextLine(level: number): string {
  return `\n${' '.repeat(2 * level)}`;
}

/**
 * Strings js-yaml writes plain (unquoted) with certainty. Only letters, digits and `-._/@:+=`,
 * not ending in ":" (no YAML indicator or comment can start). And nothing another YAML type could
 * claim: either a letter or "/" first and none of the words YAML 1.1 or 1.2 reads as a boolean or
 * null (js-yaml quotes the YAML 1.1 ones too, for readers such as kubectl's go-yaml), or a digit
 * first with two dots or more and no "_" (an IP address such as 10.96.0.1): YAML's int, float,
 * timestamp and sexagesimal forms hold one dot at most. Everything else is left to js-yaml, which
 * may still write it plain: this only has to be right, not complete. A character loop rather than
 * a regular expression, which V8 would compile at start-up.
 * reader.ts relies on the converse too: js-yaml (codec.ts's LOAD_SCHEMA) reads each such string
 * back as itself, as a key and as a value. Loosening this changes what reader.ts accepts, and
 * test/unit/kubeconfig/reader.test.ts must still pass.
 */
export function isPlainScalar(text: string): boolean {
  const length = text.length;
  if (length === 0) return false;
  const first = text.charCodeAt(0);
  const digitFirst = isDigit(first);
  if (!digitFirst && !isLetter(first) && first !== SLASH) return false;
  if (text.charCodeAt(length - 1) === COLON) return false;
  let dots = 0;
  for (let index = 1; index < length; index += 1) {
    const code = text.charCodeAt(index);
    if (isLetter(code) || isDigit(code)) continue;
    if (code === DOT) dots += 1;
    else if (code === UNDERSCORE) {
      if (digitFirst) return false;
    } else if (code !== 45 && code !== SLASH && code !== 64 && code !== COLON && code !== 43 && code !== 61) return false;
  }
  if (digitFirst) return dots >= 2;
  return length > 5 || !YAML_WORDS.has(text.toLowerCase());
}

const DOT = 46;
const SLASH = 47;
const COLON = 58;
const UNDERSCORE = 95;

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

export function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** YAML 1.2 core null and booleans, YAML 1.1 booleans, compared case-insensitively (stricter than needed). */
const YAML_WORDS = new Set(['null', 'true', 'false', 'y', 'yes', 'n', 'no', 'on', 'off']);

function sortByName<T extends { readonly name: string }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
