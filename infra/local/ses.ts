import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * Local mode's SES: an HTTP server that speaks SESv2's SendEmail as the SDK sends it
 * (`POST /v2/email/outbound-emails`, JSON; https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html),
 * answers `{ MessageId }`, and keeps each message instead of sending it: in memory for
 * tests, and as a JSON file under `<dataDir>/ses/` for `npm start`. Functions that declare
 * `email: 'send'` reach it through AWS_ENDPOINT_URL_SESV2.
 *
 * It refuses what SES refuses, with SES's error shape (400, `x-amzn-ErrorType:
 * BadRequestException`), and some more, never less: it requires FromEmailAddress and
 * Destination even where SES would take them from a raw message, a request signed with
 * the local credentials (signed again here with the SDK's own SignatureV4), at most 50 recipients (SES's limit per message), and a simple message's subject and body.
 */
export interface LocalEmail {
  messageId: string;
  at: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text: string | null;
  html: string | null;
}

export interface RunningSes {
  url: string;
  /** Every message accepted, oldest first. */
  messages: LocalEmail[];
  stop(): Promise<void>;
}

/** SES's limit of recipients per message (To, Cc and Bcc together). */
const maxRecipients = 50;
const address = /^[^\s@<>",]+@[^\s@<>",]+\.[^\s@<>",]+$/;

class BadRequest extends Error {}

export async function startSes(options: { credentials: { accessKeyId: string; secretAccessKey: string }; dir?: string }): Promise<RunningSes> {
  const messages: LocalEmail[] = [];
  if (options.dir) mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => answer(response, 500, { message: (error as Error).message }, 'InternalFailure'));
  });

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const body = await read(request);
    if (request.method !== 'POST' || (request.url ?? '').split('?')[0] !== '/v2/email/outbound-emails') {
      return answer(response, 404, { message: `the local SES serves SendEmail only, not ${request.method} ${request.url}` }, 'NotFoundException');
    }
    if (!request.headers.authorization) return answer(response, 403, { message: 'Missing Authentication Token' }, 'MissingAuthenticationTokenException');
    if (!(await signedBy(request, body, options.credentials))) {
      return answer(response, 403, { message: 'The request signature we calculated does not match the signature you provided.' }, 'SignatureDoesNotMatchException');
    }
    let message: LocalEmail;
    try {
      message = parse(body);
    } catch (error) {
      if (error instanceof BadRequest) return answer(response, 400, { message: error.message }, 'BadRequestException');
      throw error;
    }
    messages.push(message);
    if (options.dir) writeFileSync(join(options.dir, `${message.at.replace(/[:.]/g, '-')}-${message.messageId}.json`), JSON.stringify(message, null, 2), { mode: 0o600 });
    answer(response, 200, { MessageId: message.messageId });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Signs the request again with the SDK's SignatureV4, over the headers its Authorization
 * names, at its own X-Amz-Date, and compares: another key, body or signed header gives
 * another signature.
 */
async function signedBy(request: IncomingMessage, body: string, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<boolean> {
  const fields = Object.fromEntries(
    (request.headers.authorization ?? '')
      .replace(/^\S+ /, '')
      .split(/,\s*/)
      .map((field) => field.split('=', 2) as [string, string]),
  );
  const scope = String(fields.Credential ?? '').split('/');
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(String(request.headers['x-amz-date'] ?? ''));
  if (scope.length !== 5 || scope[0] !== credentials.accessKeyId || !date || !fields.SignedHeaders || !fields.Signature) return false;
  const headers: Record<string, string> = {};
  for (const name of String(fields.SignedHeaders).split(';')) {
    const value = request.headers[name];
    if (value === undefined) return false;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const [path = '/', search = ''] = (request.url ?? '/').split('?');
  const signer = new SignatureV4({ credentials, region: scope[2]!, service: scope[3]!, sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign(
    { method: request.method ?? 'POST', protocol: 'http:', hostname: 'ses', path, query: Object.fromEntries(new URLSearchParams(search)), headers, body },
    { signingDate: new Date(Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!)), signableHeaders: new Set(Object.keys(headers)) },
  );
  const expected = Buffer.from(/Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization))?.[1] ?? '');
  const given = Buffer.from(String(fields.Signature));
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function parse(body: string): LocalEmail {
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new BadRequest('the request body is not JSON');
  }
  if (typeof input !== 'object' || input === null) throw new BadRequest('the request body is not a JSON object');
  const from = input.FromEmailAddress;
  if (typeof from !== 'string' || from === '') throw new BadRequest('FromEmailAddress is required');
  if (!address.test(from)) throw new BadRequest(`Illegal address: FromEmailAddress ${JSON.stringify(from)}`);
  const destination = input.Destination as Record<string, unknown> | undefined;
  if (typeof destination !== 'object' || destination === null) throw new BadRequest('Destination is required');
  const list = (name: string): string[] => {
    const value = destination[name];
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((a) => typeof a !== 'string' || !address.test(a))) throw new BadRequest(`Illegal address in Destination.${name}`);
    return value as string[];
  };
  const to = list('ToAddresses');
  const cc = list('CcAddresses');
  const bcc = list('BccAddresses');
  const recipients = to.length + cc.length + bcc.length;
  if (recipients === 0) throw new BadRequest('Destination has no recipients');
  if (recipients > maxRecipients) throw new BadRequest(`Recipient count exceeds ${maxRecipients}`);
  const content = input.Content as Record<string, unknown> | undefined;
  if (typeof content !== 'object' || content === null) throw new BadRequest('Content is required');
  const simple = content.Simple as { Subject?: { Data?: unknown }; Body?: { Text?: { Data?: unknown }; Html?: { Data?: unknown } } } | undefined;
  // Raw and template messages are SES's too, but Junction sends simple ones only: refused rather than half-read.
  if (typeof simple !== 'object' || simple === null) throw new BadRequest('Content.Simple is required (the local SES takes simple messages only)');
  const subject = simple.Subject?.Data;
  if (typeof subject !== 'string' || subject === '') throw new BadRequest('Content.Simple.Subject.Data is required');
  const text = simple.Body?.Text?.Data;
  const html = simple.Body?.Html?.Data;
  if (typeof text !== 'string' && typeof html !== 'string') throw new BadRequest('Content.Simple.Body needs Text or Html');
  return {
    messageId: `local-${randomUUID()}`,
    at: new Date().toISOString(),
    from,
    to,
    cc,
    bcc,
    subject,
    text: typeof text === 'string' ? text : null,
    html: typeof html === 'string' ? html : null,
  };
}

function read(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function answer(response: ServerResponse, status: number, body: Record<string, unknown>, errorType?: string) {
  response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
  response.end(JSON.stringify(body));
}
