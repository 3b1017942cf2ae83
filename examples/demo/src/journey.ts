import type { Receiver } from '@growth-channel/testing';
import type { Framework, RunningApp } from './apps.js';
import { block, describeCookie, line, note, step } from './transcript.js';

export const DEMO_REF_ID = 'demo-123';

interface Visit {
  status: number;
  ms: number;
  setCookies: string[];
  /** The `refId` the app reported seeing, when its JSON answer has one. */
  refId: string | null | undefined;
}

/** A browser-like visitor: it keeps the cookies the app sets. */
class Visitor {
  readonly #cookies = new Map<string, string>();
  constructor(readonly baseUrl: string) {}

  async visit(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Visit> {
    const started = performance.now();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#cookies.size > 0) {
      headers.cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let refId: string | null | undefined;
    try {
      refId = (JSON.parse(text) as { refId?: string | null }).refId;
    } catch {
      refId = undefined;
    }
    const setCookies = response.headers.getSetCookie();
    for (const header of setCookies) {
      const [pair = ''] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) this.#cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return { status: response.status, ms: performance.now() - started, setCookies, refId };
  }
}

/** Plays one visitor's journey and prints what happened; resolves true when the receiver got the conversion. */
export async function playJourney(
  framework: Framework,
  app: RunningApp,
  receiver: Receiver,
): Promise<boolean> {
  const visitor = new Visitor(app.url);

  const landing = await visitor.visit('GET', `/landing?ref_id=${DEMO_REF_ID}`);
  step(1, 'Visitor lands', `GET /landing?ref_id=${DEMO_REF_ID} → ${landing.status}`);
  if (landing.setCookies.length > 0) {
    for (const header of landing.setCookies) note(`captured into cookie ${describeCookie(header)}`);
  } else {
    note('no cookie was set: the app keeps the ref_id in its session');
  }

  const browse = await visitor.visit('GET', '/products');
  step(2, 'Visitor browses', `GET /products → ${browse.status}`);
  if (browse.refId !== undefined)
    note(`the app reads ref_id ${browse.refId ?? '(none)'} back from what it stored`);

  const signupStarted = Date.now();
  const signup = await visitor.visit('POST', '/signup', { email: 'visitor@example.com', plan: 'pro' });
  step(3, 'Visitor signs up', `POST /signup → ${signup.status} in ${signup.ms.toFixed(1)} ms`);
  if (signup.status >= 200 && signup.status < 300) {
    note(`${framework} handler queued the conversion and answered without waiting for delivery`);
  } else {
    note('the sign-up failed, so no conversion should be sent');
  }

  let delivered: Awaited<ReturnType<Receiver['waitForPostbacks']>>;
  try {
    delivered = await receiver.waitForPostbacks(1, { timeoutMs: 10_000 });
  } catch (error) {
    step(4, 'Receiver', 'got no conversion');
    note((error as Error).message);
    return false;
  }
  const request = receiver.requests.find((r) => r.accepted);
  const postback = delivered[0];
  const ms = request ? request.receivedAt.getTime() - signupStarted : Number.NaN;
  step(4, 'Receiver got it', `${ms} ms after the sign-up request started`);
  if (request) {
    const shown = ['content-type', 'x-api-key', 'idempotency-key', 'user-agent'];
    const headerLines = shown
      .filter((name) => request.headers[name] !== undefined)
      .map((name) => `${name}: ${request.headers[name]}`);
    block(
      [`${request.method} ${request.path}`, ...headerLines, '', JSON.stringify(request.body, null, 2)].join(
        '\n',
      ),
    );
  }
  line();
  return postback?.ref_id === DEMO_REF_ID;
}
