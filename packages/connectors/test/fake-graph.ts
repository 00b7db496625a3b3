import { jsonServer } from './json-server.js';

type GraphFailure = { status: number; code: number; message: string; details?: string };

/**
 * The WhatsApp Cloud API's send endpoint on loopback, in its documented shapes
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages):
 * `POST /{version}/{phone-number-id}/messages` with a bearer token, answered with
 * `{ messaging_product, contacts: [{ input, wa_id }], messages: [{ id }] }` or a Graph API
 * error `{ error: { message, type, code, error_data: { messaging_product, details }, fbtrace_id } }`.
 */
export async function fakeGraph(options: { accessToken: string; phoneNumberId: string; version?: string }) {
  const version = options.version ?? 'v23.0';
  const calls: Array<Record<string, unknown>> = [];
  const failures: GraphFailure[] = [];
  let next = 1;
  const server = await jsonServer((request, raw, answer) => {
    const fail = ({ status, code, message, details }: GraphFailure) =>
      answer(status, {
        error: {
          message,
          type: 'OAuthException',
          code,
          error_data: { messaging_product: 'whatsapp', details: details ?? message },
          fbtrace_id: 'Az8or2yhqkZfEZ-_4Qn_Bam',
        },
      });
    if (request.headers.authorization !== `Bearer ${options.accessToken}`)
      return fail({ status: 401, code: 190, message: 'Error validating access token: Session has expired' });
    if (request.method !== 'POST' || request.url !== `/${version}/${options.phoneNumberId}/messages`)
      return fail({ status: 400, code: 100, message: 'Unsupported post request' });
    const body = JSON.parse(raw) as Record<string, unknown>;
    calls.push(body);
    const injected = failures.shift();
    if (injected) return fail(injected);
    if (body.messaging_product !== 'whatsapp')
      return fail({ status: 400, code: 100, message: '(#100) The parameter messaging_product is required.' });
    if (typeof body.to !== 'string' || !/^\+?\d{8,15}$/.test(body.to))
      return fail({ status: 400, code: 100, message: '(#100) Invalid parameter', details: 'to' });
    const type = body.type as string;
    const content = body[type] as Record<string, unknown> | undefined;
    if (!content) return fail({ status: 400, code: 100, message: `(#100) Param ${type} is required` });
    if (type === 'text' && (typeof content.body !== 'string' || content.body.length === 0))
      return fail({ status: 400, code: 100, message: '(#100) Param text[body] is required' });
    if (type !== 'text' && typeof content.link !== 'string')
      return fail({ status: 400, code: 100, message: `(#100) Param ${type}[link] is required` });
    const id = `wamid.HBgLMTU1NTA${String(next++).padStart(4, '0')}`;
    return answer(200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: body.to, wa_id: String(body.to).replace('+', '') }],
      messages: [{ id }],
    });
  });
  return {
    url: server.url,
    calls,
    failNext(...next: GraphFailure[]) {
      failures.push(...next);
    },
    close: server.close,
  };
}
