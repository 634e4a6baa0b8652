/**
 * Where one HTTP/1.1 response ends in a byte stream: enough framing (Content-Length, chunked, no body)
 * to drive a kept-alive connection by hand and tell "closed between responses" from "cut mid-response".
 */

export interface ResponseHead {
  status: number;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
}

export type FramingResult =
  | { state: 'incomplete'; head?: ResponseHead }
  /** `consumed` bytes of the buffer form the whole response. */
  | { state: 'complete'; head: ResponseHead; consumed: number }
  /** The body runs until the server closes the connection (no length, not chunked). */
  | { state: 'until-close'; head: ResponseHead }
  | { state: 'invalid'; reason: string };

const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

export function frameResponse(buffer: Buffer, requestMethod = 'GET'): FramingResult {
  const headEnd = buffer.indexOf(HEAD_END);
  if (headEnd < 0) return { state: 'incomplete' };
  const head = parseHead(buffer.subarray(0, headEnd).toString('latin1'));
  if (typeof head === 'string') return { state: 'invalid', reason: head };
  const bodyStart = headEnd + HEAD_END.length;
  // 1xx responses precede the real one; the caller keeps reading after consuming them.
  if (head.status < 200 || head.status === 204 || head.status === 304 || requestMethod === 'HEAD') {
    return { state: 'complete', head, consumed: bodyStart };
  }
  if (/\bchunked\b/i.test(head.headers['transfer-encoding'] ?? '')) {
    const end = chunkedEnd(buffer, bodyStart);
    if (end === 'invalid') return { state: 'invalid', reason: 'malformed chunked body' };
    return end === null ? { state: 'incomplete', head } : { state: 'complete', head, consumed: end };
  }
  const length = head.headers['content-length'];
  if (length === undefined) return { state: 'until-close', head };
  if (!/^\d+$/.test(length)) return { state: 'invalid', reason: `bad Content-Length ${length}` };
  const end = bodyStart + Number(length);
  return buffer.length >= end ? { state: 'complete', head, consumed: end } : { state: 'incomplete', head };
}

function parseHead(text: string): ResponseHead | string {
  const [statusLine, ...lines] = text.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) return `not an HTTP/1.x status line: ${statusLine.slice(0, 80)}`;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(match[1]), headers };
}

/** Offset just past the last chunk and trailers, null when more bytes are needed. */
function chunkedEnd(buffer: Buffer, start: number): number | null | 'invalid' {
  let offset = start;
  for (;;) {
    const lineEnd = buffer.indexOf(CRLF, offset);
    if (lineEnd < 0) return null;
    const sizeText = buffer.subarray(offset, lineEnd).toString('latin1').split(';')[0].trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) return 'invalid';
    const size = Number.parseInt(sizeText, 16);
    if (size === 0) {
      // The size line's CRLF, optional trailers, then an empty line.
      const trailerEnd = buffer.indexOf(HEAD_END, lineEnd);
      return trailerEnd < 0 ? null : trailerEnd + HEAD_END.length;
    }
    offset = lineEnd + CRLF.length + size + CRLF.length;
    if (buffer.length < offset) return null;
  }
}

/** Whether the response tells the client to close the connection after it. */
export function announcesClose(head: ResponseHead): boolean {
  return /\bclose\b/i.test(head.headers.connection ?? '');
}
