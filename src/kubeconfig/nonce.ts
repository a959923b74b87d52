// Unique-enough suffixes for temp files and lock contents. Neither needs to be unguessable: temp
// files are created with O_EXCL ('wx'), so a name someone planted (or a symlink) makes the open
// fail instead of being followed, and a lock's nonce only tells our own lock from a newer one.
// Math.random instead of crypto.randomBytes: loading node:crypto costs ~3 ms of every start-up.

/** `length` lower-case hex digits. */
export function createNonce(length: number): string {
  let hex = '';
  while (hex.length < length) hex += Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, '0');
  return hex.slice(0, length);
}

/** A file name's longest length in bytes (NAME_MAX on Linux and macOS). */
const NAME_MAX = 255;
/** What follows the prefix: the pid (Linux's pid_max is at most 2^22: 7 digits, room for 10), a dot, the nonce, `.tmp`. */
const TEMP_SUFFIX_MAX = 10 + 1 + 12 + 4;

/**
 * What every temp file for `name` (a kubeconfig's file name) starts with: `.NAME.`, with NAME cut
 * (at a character boundary) where the whole temp name would pass NAME_MAX. kubectl writes in place
 * (os.WriteFile), so a kubeconfig named up to 250 bytes (its `.lock` is 255) is writable to it; a
 * temp name 40 bytes longer than that failed with ENAMETOOLONG. The cut prefix is what the
 * abandoned-temp sweep (store.ts) looks for, too.
 */
export function tempFilePrefix(name: string): string {
  let base = name;
  while (Buffer.byteLength(`.${base}.`) + TEMP_SUFFIX_MAX > NAME_MAX) base = Array.from(base).slice(0, -1).join('');
  return `.${base}.`;
}

/** A temp file's name for `name`, written by process `pid`: `.NAME.PID.NONCE.tmp`. */
export function tempFileName(name: string, pid: number): string {
  return `${tempFilePrefix(name)}${pid}.${createNonce(12)}.tmp`;
}
