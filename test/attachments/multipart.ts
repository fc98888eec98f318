import { randomBytes } from 'node:crypto';

// Builds multipart/form-data bodies by hand, so the tests control part order, names and bytes.

export type Part =
  | { name: string; value: string; contentType?: string }
  | { name: string; fileName: string; data: Buffer; contentType?: string };

export function multipartBody(parts: Part[]): { payload: Buffer; contentType: string } {
  const boundary = `----campaign-test-${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if ('data' in p) {
      head += `; filename="${p.fileName}"\r\nContent-Type: ${p.contentType ?? 'application/octet-stream'}\r\n\r\n`;
      chunks.push(Buffer.from(head, 'utf8'), p.data, Buffer.from('\r\n'));
    } else {
      head += `\r\n${p.contentType ? `Content-Type: ${p.contentType}\r\n` : ''}\r\n`;
      chunks.push(Buffer.from(head + p.value + '\r\n', 'utf8'));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
