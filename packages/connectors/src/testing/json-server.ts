import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Answers JSON, or the bytes of a Buffer with their content type. */
export type Answer = (status: number, body: unknown, contentType?: string) => void;

/** A loopback HTTP server for platform fakes: each request's raw body is read, and the handler answers JSON. */
export async function jsonServer(handle: (request: IncomingMessage, raw: string, answer: Answer, bytes: Buffer) => void | Promise<void>) {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
    });
    request.on('end', () => {
      const bytes = Buffer.concat(chunks);
      handle(
        request,
        bytes.toString(),
        (status, body, contentType) => {
          if (Buffer.isBuffer(body))
            response
              .writeHead(status, { 'content-type': contentType ?? 'application/octet-stream', 'content-length': body.length })
              .end(body);
          else response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        },
        bytes,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What a webhook call got back from the app. */
export interface WebhookAnswer {
  status: number;
  body: unknown;
}

/** POSTs a JSON webhook the way a platform does: the body exactly as signed, plus the platform's headers. */
export async function postWebhook(url: string, body: unknown, headers: Record<string, string> = {}): Promise<WebhookAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed };
}

/** Meta's webhook signature: `sha256=` and the hex HMAC-SHA256 of the raw body with the app secret. */
export function metaSignature(appSecret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/** POSTs a webhook signed with `X-Hub-Signature-256`, as Meta does for WhatsApp, Messenger and Instagram. */
export function postMetaWebhook(url: string, appSecret: string, body: unknown): Promise<WebhookAnswer> {
  return postWebhook(url, body, { 'x-hub-signature-256': metaSignature(appSecret, JSON.stringify(body)) });
}
