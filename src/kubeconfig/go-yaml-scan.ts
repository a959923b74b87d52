// What go-yaml v2 (kubectl's YAML reader, through sigs.k8s.io/yaml) refuses in a kubeconfig and
// js-yaml reads past: a blank line (or a comment line) indented with a tab, and a document end
// marker (`...`) before any document. js-yaml reads such a line as blank and `...` as an empty
// stream; go-yaml's scanner refuses them, so kubectl cannot load the file, and we must neither
// rewrite it (it is not ours to repair silently) nor report it usable (probe, a KUBECONFIG chain
// member we only read). Everything else js-yaml reads that go-yaml refuses is listed in the README.
//
// go-yaml's rules (scannerc.go), which this follows line by line:
// - between tokens, in block context at the start of a line, only spaces are skipped: a tab there
//   is "found character that cannot start any token" (yaml_parser_scan_to_next_token);
// - after a plain scalar that could go on to the next line, a tab in the blank lines before
//   column indent+1 (indent: the block collection holding the scalar) is "found a tab character
//   that violates indentation" (yaml_parser_scan_plain_scalar);
// - in a block scalar (`|`, `>`), a tab before its content's indentation (or before the first
//   content line sets it) is "found a tab character where an indentation space is expected"
//   (yaml_parser_scan_block_scalar_breaks);
// - inside a quoted scalar or a flow collection, tabs are white space;
// - `...` with no document started is "did not find expected node content".
// Only the first document is scanned: kubectl reads no further.

export interface GoYamlRefusal {
  /** 1-based. */
  readonly line: number;
  readonly reason: string;
}

/**
 * The refusal in go-yaml v2's words (yaml.go parser.fail): `yaml: line N: reason`, where N is the
 * 1-based line for a scanner error but the 0-based one for a parser error (`...`), and no line at
 * all when that number is 0.
 */
export function formatGoYamlRefusal(refusal: GoYamlRefusal): string {
  const line = refusal.reason.startsWith('did not find') ? refusal.line - 1 : refusal.line === 1 ? 0 : refusal.line;
  return `yaml: ${line === 0 ? '' : `line ${line}: `}${refusal.reason}`;
}

/** A line whose indentation holds a tab, or a `...` line: without either there is nothing to find. */
const CANDIDATE = /^ *\t|^\.\.\.(?:[ \t]|$)/m;

interface ScanState {
  /** Inside a quoted scalar that goes on past the end of the line. */
  quote?: '"' | "'";
  /** Depth of the open flow collections ([, {). */
  flow: number;
  /** Inside a block scalar: the indentation of the node holding it, and of its content once known. */
  block?: { readonly parent: number; indent?: number };
  /** After a plain scalar that may go on: the column its continuation lines must reach. */
  plain?: number;
}

/** go-yaml's refusal of `text` that js-yaml would not make, or undefined. */
export function findGoYamlRefusal(text: string): GoYamlRefusal | undefined {
  if (!CANDIDATE.test(text)) return undefined;
  const lines = text.split(/\r\n|\r|\n/);
  const state: ScanState = { flow: 0 };
  let started = false;
  let directive = false;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] as string;
    const number = index + 1;
    const spaces = leadingSpaces(line);
    const rest = line.slice(spaces);
    if (state.block) {
      if (/^[ \t]*$/.test(rest)) {
        if (rest.startsWith('\t') && (state.block.indent === undefined || spaces < state.block.indent)) {
          return { line: number, reason: 'found a tab character where an indentation space is expected' };
        }
        continue;
      }
      if (state.block.indent === undefined && spaces > state.block.parent) {
        state.block.indent = spaces;
        continue;
      }
      if (state.block.indent !== undefined && spaces >= state.block.indent) continue;
      state.block = undefined;
    }
    if (state.quote !== undefined || state.flow > 0) {
      scanRest(line, 0, state);
      continue;
    }
    if (/^(?:---|\.\.\.)(?:[ \t]|$)/.test(line)) {
      if (started) return undefined;
      if (line.startsWith('...')) return { line: number, reason: directive ? 'did not find expected <document start>' : 'did not find expected node content' };
      started = true;
      state.plain = undefined;
      // `--- value`: a node at the top, outside any block collection (go-yaml's indent -1).
      scanValue(line, 3, -1, state);
      continue;
    }
    if (spaces === 0 && rest.startsWith('%')) {
      directive = true;
      continue;
    }
    if (rest.startsWith('\t') && /^[ \t]*(?:#.*)?$/.test(rest)) {
      if (state.plain === undefined) return { line: number, reason: 'found character that cannot start any token' };
      if (spaces < state.plain) return { line: number, reason: 'found a tab character that violates indentation' };
      if (rest.includes('#')) state.plain = undefined;
      continue;
    }
    if (/^[ \t]*$/.test(rest)) continue;
    if (rest.startsWith('#')) {
      state.plain = undefined;
      continue;
    }
    started = true;
    scanNode(line, spaces, state);
  }
  return undefined;
}

function leadingSpaces(line: string): number {
  let count = 0;
  while (line.charCodeAt(count) === 32) count += 1;
  return count;
}

function skipBlanks(line: string, at: number): number {
  while (line[at] === ' ' || line[at] === '\t') at += 1;
  return at;
}

/** A block-context line from its first non-space column: sequence entries, a key, its value. */
function scanNode(line: string, at: number, state: ScanState): void {
  let holder = -1;
  // `- ` entries, possibly several on one line (`- - a`): a scalar in one continues at dash + 1.
  while (line[at] === '-' && (at + 1 === line.length || line[at + 1] === ' ' || line[at + 1] === '\t')) {
    holder = at;
    at = skipBlanks(line, at + 1);
  }
  if (at >= line.length || line[at] === '#') {
    state.plain = undefined;
    return;
  }
  const key = keyEnd(line, at);
  if (key === undefined) {
    scanValue(line, at, holder, state);
    return;
  }
  // A mapping's scalar continues at the key's column + 1 (go-yaml's indent is the key's column).
  scanValue(line, key, at, state);
}

/**
 * Where the value of a `key: value` line starts (just past the `:`), or undefined when the text
 * at `at` is not a key (a scalar, a flow collection, a quoted scalar with nothing after it).
 */
function keyEnd(line: string, at: number): number | undefined {
  const first = line[at];
  if (first === '"' || first === "'") {
    const close = closeQuote(line, at + 1, first);
    if (close === undefined) return undefined;
    const after = skipBlanks(line, close);
    return line[after] === ':' && isEndOfToken(line, after + 1) ? after + 1 : undefined;
  }
  if (first === '[' || first === '{' || first === '?' || first === '|' || first === '>' || first === '*' || first === '&' || first === '!') return undefined;
  for (let index = at; index < line.length; index += 1) {
    if (line[index] === '#' && (line[index - 1] === ' ' || line[index - 1] === '\t')) return undefined;
    if (line[index] === ':' && isEndOfToken(line, index + 1)) return index + 1;
  }
  return undefined;
}

function isEndOfToken(line: string, at: number): boolean {
  return at >= line.length || line[at] === ' ' || line[at] === '\t';
}

/** The index just past the closing quote, or undefined when the scalar goes on past the line. */
function closeQuote(line: string, at: number, quote: '"' | "'"): number | undefined {
  for (let index = at; index < line.length; index += 1) {
    const char = line[index];
    if (quote === '"' && char === '\\') index += 1;
    else if (char === quote) {
      if (quote === "'" && line[index + 1] === "'") index += 1;
      else return index + 1;
    }
  }
  return undefined;
}

/** A value from `at`; `holder` is the column of the key or dash that holds it (-1 at the top). */
function scanValue(line: string, at: number, holder: number, state: ScanState): void {
  state.plain = undefined;
  at = skipBlanks(line, at);
  // Anchors and tags before the node.
  while ((line[at] === '&' || line[at] === '!') && at < line.length) {
    while (at < line.length && line[at] !== ' ' && line[at] !== '\t') at += 1;
    at = skipBlanks(line, at);
  }
  const first = line[at];
  if (first === undefined || first === '#' || first === '*') return;
  if (first === '"' || first === "'" || first === '[' || first === '{') {
    scanRest(line, at, state);
    return;
  }
  const header = first === '|' || first === '>' ? /^[|>]([+-]?)([1-9]?)([+-]?)(?:[ \t]+#.*)?[ \t]*$/.exec(line.slice(at)) : null;
  if (header !== null) {
    // An indentation indicator fixes the content's indentation: the holder's plus it (go-yaml's
    // yaml_parser_scan_block_scalar; at the top, the indicator alone).
    const increment = Number(header[2] || 0);
    state.block = increment > 0 ? { parent: holder, indent: holder >= 0 ? holder + increment : increment } : { parent: holder };
    return;
  }
  if (/[ \t]#/.test(line.slice(at))) return;
  state.plain = holder + 1;
}

/** The rest of a line inside (or opening) quoted scalars and flow collections. */
function scanRest(line: string, at: number, state: ScanState): void {
  for (let index = at; index < line.length; index += 1) {
    if (state.quote !== undefined) {
      const close = closeQuote(line, index, state.quote);
      if (close === undefined) return;
      state.quote = undefined;
      index = close - 1;
      continue;
    }
    const char = line[index];
    if ((char === '"' || char === "'") && startsToken(line, index)) state.quote = char;
    else if (char === '[' || char === '{') state.flow += 1;
    else if ((char === ']' || char === '}') && state.flow > 0) state.flow -= 1;
    else if (char === '#' && (index === 0 || line[index - 1] === ' ' || line[index - 1] === '\t')) return;
  }
}

/** Whether a quote here opens a quoted scalar: at the start of a node, not inside a plain one (`it's`). */
function startsToken(line: string, at: number): boolean {
  let index = at - 1;
  while (index >= 0 && (line[index] === ' ' || line[index] === '\t')) index -= 1;
  return index < 0 || '[{,:-?'.includes(line[index] as string);
}
