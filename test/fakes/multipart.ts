// multipart/related parsing for the fake's uploadType=multipart: the part bodies, in order, or
// undefined when the body does not follow the boundary grammar (the caller answers 400).
export function parseMultipart(contentType: string, body: Buffer): Buffer[] | undefined {
  const m = /^multipart\/related;\s*boundary="?([^";]+)"?/i.exec(contentType);
  if (!m) return undefined;
  const delimiter = Buffer.from(`--${m[1] as string}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) return undefined;
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') return parts;
    if (body.subarray(at, at + 2).toString() !== '\r\n') return undefined;
    const headersEnd = body.indexOf('\r\n\r\n', at);
    if (headersEnd < 0) return undefined;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headersEnd + 4);
    if (next < 0) return undefined;
    parts.push(body.subarray(headersEnd + 4, next));
    at = next + 2;
  }
}
