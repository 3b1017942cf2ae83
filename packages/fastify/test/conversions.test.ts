import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type ConversionFields, isGrowthChannelError } from '../src/index.js';
import { API_KEY, startApp } from './helpers.js';

describe('request.gc.sendConversion', () => {
  it('rejects with a typed GrowthChannelHttpError when the endpoint refuses, without the key', async () => {
    const { app, receiver } = await startApp({
      routes: (app) => {
        app.post('/checkout', async (request, reply) => {
          try {
            return await request.gc.sendConversion('purchase');
          } catch (error) {
            if (!isGrowthChannelError(error)) throw error;
            const text = `${error.message} ${JSON.stringify(error)} ${inspect(error, { depth: 5 })}`;
            return reply
              .code(502)
              .send({ code: error.code, status: error.status, leaked: text.includes(API_KEY) });
          }
        });
      },
    });
    receiver.inject({ status: 400, body: { status: 'error', message: 'bad ref_id' } });

    const response = await app.inject({ method: 'POST', url: '/checkout?ref_id=abc123xyz' });

    expect(response.statusCode).toBe(502);
    expect(response.json()).toEqual({ code: 'GC_ERR_HTTP', status: 400, leaked: false });
    expect(receiver.postbacks).toEqual([]);
  });

  it('rejects with GC_ERR_VALIDATION for fields the API does not accept, before sending anything', async () => {
    const { app, receiver } = await startApp({
      routes: (app) => {
        app.post('/bad', async (request, reply) => {
          const fields = { revenue: 'lots', coupon: 'X' } as unknown as ConversionFields;
          try {
            return await request.gc.sendConversion('purchase', fields);
          } catch (error) {
            return reply.code(400).send({ code: isGrowthChannelError(error) ? error.code : 'other' });
          }
        });
      },
    });

    const response = await app.inject({ method: 'POST', url: '/bad?ref_id=abc123xyz' });

    expect(response.json()).toEqual({ code: 'GC_ERR_VALIDATION' });
    expect(receiver.requests).toEqual([]);
  });
});

describe('request.gc.trackConversion', () => {
  it('never throws into the handler: invalid fields return false and go to onError', async () => {
    const { app, errors } = await startApp({
      routes: (app) => {
        app.post('/bad-track', async (request) => ({
          tracked: request.gc.trackConversion('purchase', { revenue: Number.NaN }),
        }));
      },
    });

    const response = await app.inject({ method: 'POST', url: '/bad-track?ref_id=abc123xyz' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ tracked: false });
    expect(errors.map((error) => error.code)).toEqual(['GC_ERR_VALIDATION']);
  });

  it('reports a final delivery failure to onError, never to the response', async () => {
    const { app, receiver, errors } = await startApp({ client: { maxRetries: 1 } });
    receiver.inject({ status: 500, times: Number.POSITIVE_INFINITY });

    const signup = await app.inject({ method: 'POST', url: '/signup?ref_id=abc123xyz' });
    expect(signup.statusCode).toBe(200);
    expect(signup.json()).toEqual({ tracked: true });

    await app.close();
    expect(errors.map((error) => error.code)).toEqual(['GC_ERR_HTTP']);
  });
});

describe('request.gc.client', () => {
  it('is the app-wide client, app.gc', async () => {
    let same = false;
    const { app } = await startApp({
      routes: (app) => {
        app.get('/client', async (request) => {
          same = request.gc.client === app.gc;
          return 'ok';
        });
      },
    });
    await app.inject({ url: '/client' });
    expect(same).toBe(true);
  });
});

describe('what request.gc and app.gc show when logged', () => {
  it('never contains the API key', async () => {
    const { app } = await startApp({
      routes: (app) => {
        app.get('/inspect', async (request) => inspect(request.gc) + JSON.stringify(request.gc));
      },
    });
    const response = await app.inject({ url: '/inspect?ref_id=abc123xyz' });

    expect(response.body).toContain('abc123xyz');
    expect(response.body).not.toContain(API_KEY);
    expect(inspect(app.gc) + JSON.stringify(app.gc)).not.toContain(API_KEY);
  });
});
