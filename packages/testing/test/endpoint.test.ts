import { request } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { POSTBACK_PATH, type ReceivedRequest, type Receiver, startReceiver } from '../src/index.js';
import { API_KEY, call } from './helpers.js';

let receiver: Receiver;

afterEach(async () => {
  await receiver.close();
});

const valid = {
  ref_id: 'abc123xyz',
  tracker_id: 'tr_1',
  event_name: 'user_converted',
  revenue: 123.5,
  conversion_data: { order_id: 'order_98765', lead_source: 'callrail' },
};

describe('a valid postback', () => {
  it('is answered 200 {"status":"ok"} as JSON, and recorded with the key redacted', async () => {
    receiver = await startReceiver({ apiKey: API_KEY });
    expect(receiver.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(receiver.endpoint).toBe(`${receiver.url}${POSTBACK_PATH}`);

    const answer = await call(receiver.endpoint, valid);

    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ status: 'ok' });
    expect(answer.headers['content-type']).toBe('application/json');
    expect(receiver.postbacks).toEqual([valid]);
    const [record] = receiver.requests;
    expect(record).toMatchObject({
      method: 'POST',
      path: POSTBACK_PATH,
      status: 200,
      accepted: true,
      body: valid,
      rawBody: JSON.stringify(valid),
    });
    expect(record?.fault).toBeUndefined();
    expect(record?.receivedAt).toBeInstanceOf(Date);
    expect(record?.headers['x-api-key']).toBe('[redacted]');
    expect(record?.headers['content-type']).toBe('application/json');
    expect(JSON.stringify(receiver.requests)).not.toContain(API_KEY);
  });

  it('accepts a charset parameter, a query string and only ref_id', async () => {
    receiver = await startReceiver();
    const answer = await call(
      `${receiver.endpoint}?source=test`,
      { ref_id: 'r' },
      {
        headers: { 'content-type': 'application/json; charset=UTF-8' },
      },
    );
    expect(answer.status).toBe(200);
    expect(receiver.requests[0]?.path).toBe(`${POSTBACK_PATH}?source=test`);
    expect(receiver.postbacks).toEqual([{ ref_id: 'r' }]);
  });

  it('calls onRequest after answering, and survives a hook that throws', async () => {
    const onRequest = vi.fn((_record: ReceivedRequest): void => {
      throw new Error('hook failure');
    });
    receiver = await startReceiver({ onRequest });
    expect((await call(receiver.endpoint, { ref_id: 'a' })).status).toBe(200);
    expect((await call(receiver.endpoint, { ref_id: '' })).status).toBe(400);
    expect(onRequest).toHaveBeenCalledTimes(2);
    expect(onRequest.mock.calls.map(([record]) => record.status)).toEqual([200, 400]);
  });
});

describe('the API key', () => {
  it('with a configured key: a wrong or missing key is answered 401', async () => {
    receiver = await startReceiver({ apiKey: API_KEY });
    const wrong = await call(receiver.endpoint, valid, { headers: { 'x-api-key': 'other-key' } });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({ status: 'error', message: 'invalid API key' });
    const missing = await call(receiver.endpoint, valid, { headers: { 'x-api-key': undefined } });
    expect(missing.status).toBe(401);
    expect(missing.json).toMatchObject({
      status: 'error',
      message: expect.stringMatching(/missing X-Api-Key/),
    });
    expect(receiver.postbacks).toEqual([]);
    expect(receiver.requests.map((r) => [r.status, r.accepted])).toEqual([
      [401, false],
      [401, false],
    ]);
    expect(receiver.requests[0]?.headers['x-api-key']).toBe('[redacted]');
  });

  it('without a configured key: any non-empty key passes, a missing or empty one is 401', async () => {
    receiver = await startReceiver();
    expect((await call(receiver.endpoint, valid, { headers: { 'x-api-key': 'anything' } })).status).toBe(200);
    expect((await call(receiver.endpoint, valid, { headers: { 'x-api-key': undefined } })).status).toBe(401);
    expect((await call(receiver.endpoint, valid, { headers: { 'x-api-key': '' } })).status).toBe(401);
  });
  it('refuses a repeated X-Api-Key header instead of guessing which one counts', async () => {
    receiver = await startReceiver();
    const res = await request(receiver.endpoint, {
      method: 'POST',
      headers: ['content-type', 'application/json', 'x-api-key', 'a', 'x-api-key', 'b'],
      body: JSON.stringify(valid),
    });
    expect(res.statusCode).toBe(401);
    expect(await res.body.json()).toMatchObject({ message: expect.stringMatching(/exactly one/) });
  });
});

describe('the request contract', () => {
  it('answers 415 when the body is not declared as JSON', async () => {
    receiver = await startReceiver();
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
    ]) {
      const answer = await call(receiver.endpoint, valid, { headers: { 'content-type': type } });
      expect(answer.status, type).toBe(415);
      expect(answer.json).toMatchObject({
        status: 'error',
        message: expect.stringContaining('application/json'),
      });
    }
    expect((await call(receiver.endpoint, valid, { headers: { 'content-type': undefined } })).status).toBe(
      415,
    );
    expect(receiver.postbacks).toEqual([]);
  });

  it.each([
    ['invalid JSON', '{"ref_id": "abc",', /not valid JSON/],
    ['an empty body', '', /empty/],
    ['a JSON array', '[{"ref_id":"abc"}]', /JSON object/],
    ['JSON null', 'null', /JSON object/],
    ['a missing ref_id', '{"event_name":"x"}', /`ref_id` is required/],
    ['an empty ref_id', '{"ref_id":""}', /`ref_id` is required and must be a non-empty string/],
    ['a numeric ref_id', '{"ref_id":123}', /`ref_id`/],
    ['a numeric tracker_id', '{"ref_id":"a","tracker_id":1}', /`tracker_id` must be a string/],
    ['a null event_name', '{"ref_id":"a","event_name":null}', /`event_name` must be a string/],
    ['a string revenue', '{"ref_id":"a","revenue":"12"}', /`revenue` must be a finite number/],
    ['an overflowing revenue', '{"ref_id":"a","revenue":1e999}', /`revenue` must be a finite number/],
    [
      'an array conversion_data',
      '{"ref_id":"a","conversion_data":[1]}',
      /`conversion_data` must be a JSON object/,
    ],
    [
      'a null conversion_data',
      '{"ref_id":"a","conversion_data":null}',
      /`conversion_data` must be a JSON object/,
    ],
    ['an unknown field', '{"ref_id":"a","revenu":12}', /unknown field\(s\) `revenu`/],
  ])('answers 400 for %s, naming the problem', async (_name, raw, message) => {
    receiver = await startReceiver();
    const answer = await call(receiver.endpoint, undefined, { raw });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ status: 'error', message: expect.stringMatching(message) });
    expect(receiver.postbacks).toEqual([]);
    expect(receiver.requests[0]).toMatchObject({ status: 400, accepted: false, rawBody: raw });
  });

  it('answers 413 past 1 MiB and keeps the connection usable', async () => {
    receiver = await startReceiver();
    const big = JSON.stringify({ ref_id: 'a', conversion_data: { blob: 'x'.repeat(1024 * 1024) } });
    const answer = await call(receiver.endpoint, undefined, { raw: big });
    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({ status: 'error' });
    expect((await call(receiver.endpoint, { ref_id: 'after' })).status).toBe(200);
  });

  it('answers 404 off the path and 405 for another method, both as JSON', async () => {
    receiver = await startReceiver();
    const notFound = await call(`${receiver.url}/api/public/other/`, valid);
    expect(notFound.status).toBe(404);
    expect(notFound.json).toMatchObject({ status: 'error' });
    // Strict like the real route: the trailing slash is part of the path.
    expect((await call(receiver.endpoint.slice(0, -1), valid)).status).toBe(404);

    const wrongMethod = await call(receiver.endpoint, undefined, { method: 'GET' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
    expect(wrongMethod.json).toMatchObject({ status: 'error', message: expect.stringContaining('GET') });
    expect((await call(receiver.endpoint, valid, { method: 'PUT' })).status).toBe(405);
    expect(receiver.requests.map((r) => r.status)).toEqual([404, 404, 405, 405]);
  });

  it('serves a custom path', async () => {
    receiver = await startReceiver({ path: '/hook' });
    expect(receiver.endpoint).toBe(`${receiver.url}/hook`);
    expect((await call(receiver.endpoint, valid)).status).toBe(200);
    expect((await call(`${receiver.url}${POSTBACK_PATH}`, valid)).status).toBe(404);
  });
});
