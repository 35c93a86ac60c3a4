// What the proxy's plaintext TCP framing does before any line reaches a decoder (research note
// §1.1–1.2): the first two bytes of a connection pick HTTP over plaintext, and bytes after the
// last newline are dropped when the client disconnects.

const HTTP_PREFIXES = new Set(['GE', 'PO', 'PU', 'HE', 'OP', 'PA', 'DE', 'TR', 'CO']);

/** True when a plaintext stream starting with `head` would be taken for HTTP and lost. */
export function mistakenForHttp(head: Uint8Array): boolean {
  if (head.length < 2) return false;
  return HTTP_PREFIXES.has(String.fromCharCode(head[0]!, head[1]!));
}

/** Length of the prefix of a finished stream that the proxy frames; the rest is dropped. */
export function framedLength(stream: Uint8Array): number {
  return stream.lastIndexOf(10) + 1;
}
