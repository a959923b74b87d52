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
