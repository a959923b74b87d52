// Reads a kubeconfig without js-yaml and zod when its text is in the plain subset of YAML that
// kubectl (go-yaml) and emitter.ts write, and its shape is one the schema accepts as it is.
// Anything else returns undefined, and codec.ts (js-yaml, then the zod schema) reads the file and
// decides, errors included. So this has to be right, not complete: where it answers, the answer
// is what codec.ts's parseKubeconfig returns (js-yaml's load, its node limit, zod's parse, its
// duplicate-name check); test/unit/kubeconfig/reader.test.ts holds it to that, on generated and
// on mutated texts.
//
// Why: measured with callgrind, reading an existing kubeconfig of one context cost init 22M
// instructions more than writing a new one, ~17M of them js-yaml and zod running cold (set-up,
// the first load, building the schemas). The files init, probe and from-* read are almost always
// ones kubectl or we wrote.
import { isLetter, isPlainScalar } from './emitter.js';
import type { Kubeconfig } from './schema.js';
import { findDuplicateName, matchesKubeconfigShape } from './shape.js';

/**
 * The kubeconfig in `text`: read here when this module can vouch for it, otherwise by codec.ts's
 * parseKubeconfig, which loads (with js-yaml and zod) only then.
 */
export async function parseKubeconfigText(text: string, source: string, options: ParseOptions = {}): Promise<Kubeconfig> {
  return readPlainKubeconfig(text) ?? (await import('./codec.js')).parseKubeconfig(text, source, options);
}

export interface ParseOptions {
  /** Read the first YAML document only, as kubectl does, for a file that will not be written. */
  readonly firstDocumentOnly?: boolean;
}

/**
 * codec.ts's parseKubeconfig, for a text this module can vouch for; undefined for any other.
 * A document with two entries of the same name in one list (extensions' included) is left to
 * codec.ts, which refuses it as client-go does.
 */
export function readPlainKubeconfig(text: string): Kubeconfig | undefined {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  // client-go: "if there's no data in a file, return the default object instead of failing".
  // Only spaces and line breaks (codec.ts's isBlankYaml, not trim(): see there).
  if (/^[ \r\n]*$/.test(body)) return {};
  const document = readPlainYaml(body);
  if (document === undefined || !matchesKubeconfigShape(document)) return undefined;
  // Another apiVersion or kind is codec.ts's to refuse, as client-go does.
  if (![undefined, '', 'v1'].includes(document.apiVersion) || ![undefined, '', 'Config'].includes(document.kind)) return undefined;
  if (findDuplicateName(document) !== undefined) return undefined;
  return document;
}

interface Line {
  readonly indent: number;
  readonly text: string;
}

/**
 * Deeper than any kubeconfig; keeps the recursion bounded. A list and the mapping after its dash
 * count as two levels.
 */
const MAX_DEPTH = 64;
/**
 * Each line read makes at most two nodes (`- key: value`), so this many lines stay within
 * codec.ts's MAX_EXPANDED_NODES (2,000,000, the alias-bomb limit, which a plain file of this
 * size would reach too); a longer text is codec.ts's to refuse.
 */
export const MAX_LINES = 999_999;
/** YAML limits an implicit key to 1024 characters. */
const MAX_KEY_LENGTH = 1000;

const SPACE = 32;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const DOUBLE_QUOTE = 34;
const SINGLE_QUOTE = 39;

/**
 * The value js-yaml's load (codec.ts's schema) gives for `text`, when `text` is made only of:
 * - block mappings and block sequences (also "indentless" ones, as go-yaml writes a list under
 *   its key), a mapping at the top, indented by spaces;
 * - keys that are plain strings (emitter.ts's isPlainScalar: letters, digits, `-._/@:+=`, nothing
 *   YAML could read as another type), each once per mapping;
 * - values that are such strings (or options such as `--cluster-name`), `true`, `false`, `null`,
 *   nothing (null), `{}`, `[]`, or a string in double quotes without `"` or `\`, or in single
 *   quotes without `'` (a quoted list item holding ": " is declined: it reads as a key);
 * - printable ASCII, one item per line, no comment, no trailing space, no tab.
 * Otherwise undefined, including for text js-yaml would refuse.
 */
export function readPlainYaml(text: string): Record<string, unknown> | undefined {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code !== 10 && (code < SPACE || code > 126 || code === HASH)) return undefined;
  }
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    let indent = 0;
    while (indent < raw.length && raw.charCodeAt(indent) === SPACE) indent += 1;
    if (indent === raw.length) continue;
    if (raw.charCodeAt(raw.length - 1) === SPACE) return undefined;
    lines.push({ indent, text: raw.slice(indent) });
    if (lines.length > MAX_LINES) return undefined;
  }
  const first = lines[0];
  if (first === undefined || first.indent !== 0 || isSequenceItem(first.text)) return undefined;
  let at = 0;

  /** The indent of the next line, or -1 at the end. */
  const nextIndent = (): number => lines[at]?.indent ?? -1;

  function readMapping(indent: number, depth: number): Record<string, unknown> | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const result: Record<string, unknown> = {};
    for (let line = lines[at]; line !== undefined && line.indent === indent; line = lines[at]) {
      const content = line.text;
      // A list item where a key belongs: not YAML.
      if (isSequenceItem(content)) return undefined;
      const colon = content.indexOf(': ');
      let key: string;
      let rest: string;
      if (colon === -1) {
        if (content.charCodeAt(content.length - 1) !== COLON) return undefined;
        key = content.slice(0, -1);
        rest = '';
      } else {
        key = content.slice(0, colon);
        rest = content.slice(colon + 2);
      }
      if (key.length > MAX_KEY_LENGTH || !isPlainScalar(key) || Object.hasOwn(result, key)) return undefined;
      at += 1;
      let value: unknown;
      if (rest !== '') {
        value = readScalar(rest);
      } else if (nextIndent() > indent) {
        value = readNode(nextIndent(), depth + 1);
      } else if (nextIndent() === indent && isSequenceItem(lines[at]?.text ?? '')) {
        value = readSequence(indent, depth + 1);
      } else {
        value = null;
      }
      // Whatever follows a value is another key of this mapping or belongs further out; a deeper
      // line would continue a multi-line scalar or be an error.
      if (value === undefined || nextIndent() > indent) return undefined;
      result[key] = value;
    }
    return result;
  }

  function readSequence(indent: number, depth: number): unknown[] | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const result: unknown[] = [];
    for (let line = lines[at]; line !== undefined && line.indent === indent && isSequenceItem(line.text); line = lines[at]) {
      // Exactly "- " and then the item: not a bare "-", not more spaces, not "- - nested".
      if (line.text.length < 3 || line.text.charCodeAt(2) === SPACE) return undefined;
      const item = line.text.slice(2);
      if (isSequenceItem(item)) return undefined;
      let value: unknown;
      if (item.includes(': ') || item.charCodeAt(item.length - 1) === COLON) {
        // "- key: value": a mapping whose keys line up two columns right of the dash. The line is
        // replaced by its part after the dash, which is safe because the reader never goes back.
        lines[at] = { indent: indent + 2, text: item };
        value = readMapping(indent + 2, depth + 1);
      } else {
        at += 1;
        value = readScalar(item);
      }
      if (value === undefined || nextIndent() > indent) return undefined;
      result.push(value);
    }
    return result;
  }

  function readNode(indent: number, depth: number): unknown {
    return isSequenceItem(lines[at]?.text ?? '') ? readSequence(indent, depth) : readMapping(indent, depth);
  }

  const document = readMapping(0, 0);
  return at === lines.length ? document : undefined;
}

function isSequenceItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

function readScalar(text: string): unknown {
  switch (text) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return null;
    case '{}':
      return {};
    case '[]':
      return [];
  }
  const quote = text.charCodeAt(0);
  if (quote === DOUBLE_QUOTE || quote === SINGLE_QUOTE) {
    if (text.length < 2 || text.charCodeAt(text.length - 1) !== quote) return undefined;
    const inner = text.slice(1, -1);
    // No escapes and no doubled quotes: the text between the quotes is the string.
    if (inner.includes(quote === DOUBLE_QUOTE ? '"' : "'") || (quote === DOUBLE_QUOTE && inner.includes('\\'))) return undefined;
    return inner;
  }
  return isPlainString(text) ? text : undefined;
}

/**
 * A value js-yaml reads as this string: emitter.ts's plain strings, and command-line options as
 * exec args hold them (`--cluster-name`, `-o`): a dash, then a letter or a dash, then the same
 * characters (YAML's numbers after a dash start with a digit or a dot).
 */
function isPlainString(text: string): boolean {
  if (isPlainScalar(text)) return true;
  if (text.charCodeAt(0) !== DASH) return false;
  const second = text.charCodeAt(1);
  return (isLetter(second) || second === DASH) && isPlainScalar(`a${text.slice(1)}`);
}
