import type { IncomingMessage, ServerResponse } from 'node:http';
import { createClient } from '@growth-channel/core';
import { type Receiver, startReceiver } from '@growth-channel/testing';
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  type INestApplication,
  Injectable,
  Module,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GrowthChannelModule, GrowthChannelService, RefId, TrackConversion } from '../src/index.js';
import { API_KEY, clientOptions, createApp, PLATFORMS, recordingLogger } from './helpers.js';

interface FastifyLikeReply {
  raw: ServerResponse;
  header(name: string, value: string): void;
}

interface Order {
  total: number;
  orderId: string;
}

const CONVERT = {
  revenue: (r: Order) => r.total,
  conversion_data: (r: Order) => ({ order_id: r.orderId }),
};

interface WithHeaders {
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A `@TrackConversion()` function returning `value`, unless the request's `x-misbehave` header says
 * `throw:<name>`, `resolve:<name>` or `reject:<name>` (a promise, which these functions must not return).
 */
function userFunction<T>(name: string, value: T): (result: unknown, request: WithHeaders) => T {
  return (_result, request) => {
    const how = request.headers['x-misbehave'];
    if (how === `throw:${name}`) throw new Error(`${name} broke`);
    if (how === `resolve:${name}`) return Promise.resolve(value) as unknown as T;
    if (how === `reject:${name}`) return Promise.reject(new Error(`${name} rejected`)) as unknown as T;
    return value;
  };
}

const USER_FUNCTIONS = ['when', 'revenue', 'conversion_data', 'tracker_id'] as const;

const CHECKED = {
  when: userFunction('when', true),
  revenue: userFunction('revenue', 10),
  conversion_data: userFunction('conversion_data', { plan: 'pro' }),
  tracker_id: userFunction('tracker_id', 'tracker-9'),
};

const CHECKED_BODY = {
  ref_id: 'abc',
  event_name: 'checked',
  revenue: 10,
  conversion_data: { plan: 'pro' },
  tracker_id: 'tracker-9',
};

/** Lets a test drive an Observable handler: it waits for Nest to subscribe, then emits and completes. */
@Injectable()
class StreamGate {
  subject = new Subject<{ total: number }>();
  opened: Promise<void> = Promise.resolve();
  #open: () => void = () => {};

  arm(): void {
    this.subject = new Subject();
    this.opened = new Promise((resolve) => {
      this.#open = resolve;
    });
  }

  open(): Observable<{ total: number }> {
    return new Observable((subscriber) => {
      const subscription = this.subject.subscribe(subscriber);
      this.#open();
      return subscription;
    });
  }
}

@Controller()
class ShopController {
  constructor(private readonly gate: StreamGate) {}

  @Get('landing')
  landing(@RefId() refId: string | undefined) {
    return { refId };
  }

  @Get('landing/deeper/page')
  deeper(@RefId() refId: string | undefined) {
    return { refId };
  }

  @Get('landings')
  landings(@RefId() refId: string | undefined) {
    return { refId };
  }

  @Get('landing/own-cookie')
  ownCookie(@Res({ passthrough: true }) res: FastifyLikeReply | ServerResponse) {
    // Both replace whatever Set-Cookie the response held (Fastify's when it writes the headers).
    if ('raw' in res) res.header('set-cookie', 'theirs=1');
    else res.setHeader('set-cookie', 'theirs=1');
    return {};
  }

  @Get('whoami')
  whoami(@RefId() refId: string | undefined) {
    return { refId };
  }

  @Post('orders')
  @TrackConversion('user_converted', {
    revenue: (r) => r.total,
    conversion_data: (r) => ({ order_id: r.orderId }),
  })
  order(@Body() body: { total: number }): Order {
    return { total: body.total, orderId: 'o-1' };
  }

  @Post('orders/async')
  @TrackConversion('user_converted', CONVERT)
  async orderAsync(@Body() body: { total: number }): Promise<Order> {
    await new Promise(setImmediate);
    return { total: body.total, orderId: 'o-2' };
  }

  @Post('orders/fail')
  @TrackConversion('user_converted', CONVERT)
  fail(): Order {
    throw new BadRequestException('out of stock');
  }

  @Post('orders/fail-async')
  @TrackConversion('user_converted', CONVERT)
  async failAsync(): Promise<Order> {
    await new Promise(setImmediate);
    throw new BadRequestException('card declined');
  }

  @Post('orders/bad-revenue')
  @TrackConversion('user_converted', {
    revenue: () => {
      throw new Error('no price');
    },
  })
  badRevenue() {
    return { ok: true };
  }

  @Post('orders/stream')
  @TrackConversion('user_converted', { revenue: (r: { total: number }) => r.total })
  stream(): Observable<{ total: number }> {
    return this.gate.open();
  }

  @Post('orders/maybe')
  @TrackConversion('user_converted', { when: (r: { paid: boolean }) => r.paid, revenue: 1 })
  maybe(@Body() body: { paid: boolean }) {
    return body;
  }

  @Post('orders/await')
  @TrackConversion('user_converted', { revenue: 10, await: true })
  awaited() {
    return { ok: true };
  }

  @Post('orders/stream-await')
  @TrackConversion('user_converted', { revenue: (r: { total: number }) => r.total, await: true })
  streamAwaited(): Observable<{ total: number }> {
    return this.gate.open();
  }

  @Post('orders/checked')
  @TrackConversion('checked', CHECKED)
  checked() {
    return { ok: true };
  }

  @Post('orders/checked-await')
  @TrackConversion('checked', { ...CHECKED, await: true })
  checkedAwait() {
    return { ok: true };
  }
}

@TrackConversion('account_event')
@Controller('account')
class AccountController {
  @Post('a')
  a() {
    return {};
  }

  @Post('b')
  @TrackConversion('b_event', { revenue: 2 })
  b() {
    return {};
  }
}

@Controller('manual')
class ManualController {
  constructor(private readonly gc: GrowthChannelService) {}

  @Post('track')
  track(@Req() req: object) {
    return { queued: this.gc.trackConversion(req, 'manual', { revenue: 5 }), refId: this.gc.refId(req) };
  }

  @Post('send')
  send(@Req() req: object) {
    return this.gc.sendConversion(req, 'manual_sent');
  }
}

// Does not import GrowthChannelModule: the decorators and the service work because it is global.
@Module({ controllers: [ShopController, AccountController, ManualController], providers: [StreamGate] })
class ShopModule {}

const ORDER_BODY = {
  ref_id: 'abc',
  event_name: 'user_converted',
  revenue: 49.5,
  conversion_data: { order_id: 'o-1' },
};

describe.each(PLATFORMS)('on the %s platform', (platform) => {
  let receiver: Receiver;
  let app: INestApplication;
  const logger = recordingLogger();

  beforeAll(async () => {
    receiver = await startReceiver({ apiKey: API_KEY });
    app = await createApp(platform, {
      imports: [
        GrowthChannelModule.forRoot({
          client: clientOptions(receiver),
          logger,
          consent: (req: IncomingMessage) => req.headers['x-consent'] !== 'no',
        }),
        ShopModule,
      ],
    });
  });

  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });

  beforeEach(() => {
    receiver.clear();
    logger.records.length = 0;
  });

  const client = () => app.get(GrowthChannelService).client;

  async function landed(server = app.getHttpServer()) {
    const agent = request.agent(server);
    await agent.get('/landing?ref_id=abc').expect(200, { refId: 'abc' });
    return agent;
  }

  it('a landing with ?ref_id=abc stores it in a cookie, and @RefId() returns it then and later', async () => {
    const agent = request.agent(app.getHttpServer());
    const landing = await agent.get('/landing?ref_id=abc').expect(200, { refId: 'abc' });
    expect(landing.headers['set-cookie']).toEqual([
      expect.stringMatching(/^gc_ref_id=[^;]+; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax$/),
    ]);
    await agent.get('/whoami').expect(200, { refId: 'abc' });
    await request(app.getHttpServer()).get('/whoami').expect(200, {});
  });

  it('keeps the capture cookie when a handler replaces Set-Cookie', async () => {
    const landing = await request(app.getHttpServer()).get('/landing/own-cookie?ref_id=abc').expect(200);
    expect(landing.headers['set-cookie']).toEqual(
      expect.arrayContaining(['theirs=1', expect.stringMatching(/^gc_ref_id=[^;]+; Max-Age=2592000;/)]),
    );
    expect(landing.headers['set-cookie']).toHaveLength(2);
  });

  it('@TrackConversion sends exactly the documented body, with the key, without delaying the response', async () => {
    const agent = await landed();
    receiver.inject({ delayMs: 200 });
    await agent.post('/orders').send({ total: 49.5 }).expect(201, { total: 49.5, orderId: 'o-1' });
    // The receiver is still holding the postback: the response did not wait for it.
    expect(receiver.postbacks).toEqual([]);
    await receiver.waitForPostbacks(1);
    expect(receiver.postbacks).toEqual([ORDER_BODY]);
    expect(receiver.requests[0]?.headers['x-api-key']).toBe('[redacted]');
    expect(receiver.requests[0]?.status).toBe(200);
    expect(JSON.stringify(logger.records)).not.toContain(API_KEY);
  });

  it('a handler returning a promise sends after it resolves', async () => {
    const agent = await landed();
    await agent.post('/orders/async').send({ total: 12 }).expect(201);
    await receiver.waitForPostbacks(1);
    expect(receiver.postbacks).toEqual([
      { ref_id: 'abc', event_name: 'user_converted', revenue: 12, conversion_data: { order_id: 'o-2' } },
    ]);
  });

  it('a throwing handler (sync or async) sends nothing', async () => {
    const agent = await landed();
    await agent.post('/orders/fail').expect(400);
    await agent.post('/orders/fail-async').expect(400);
    expect(await client().flush()).toBe(true);
    expect(receiver.requests).toEqual([]);
    // The same agent converts fine, so the silence above was the handlers' doing.
    await agent.post('/orders').send({ total: 49.5 }).expect(201);
    await receiver.waitForPostbacks(1);
    expect(receiver.postbacks).toEqual([ORDER_BODY]);
  });

  it('a throwing field function sends nothing, is reported, and leaves the response alone', async () => {
    const agent = await landed();
    await agent.post('/orders/bad-revenue').expect(201, { ok: true });
    expect(await client().flush()).toBe(true);
    expect(receiver.requests).toEqual([]);
    expect(logger.records).toContainEqual({
      level: 'warn',
      message: expect.stringContaining(
        '@TrackConversion on ShopController.badRevenue: the `revenue` function threw: no price',
      ),
      details: { code: 'GC_ERR_CAPTURE' },
    });
  });

  it('an Observable handler sends once, after it completes, with its last value', async () => {
    const agent = await landed();
    const gate = app.get(StreamGate);
    gate.arm();
    const settled = () => {
      const stats = client().stats;
      return stats.queued + stats.inFlight + stats.delivered + stats.failed + stats.dropped;
    };
    const before = settled();
    const response = agent.post('/orders/stream').then((res) => res);
    await gate.opened;
    gate.subject.next({ total: 1 });
    expect(settled()).toBe(before);
    gate.subject.next({ total: 2 });
    gate.subject.complete();
    expect((await response).status).toBe(201);
    await receiver.waitForPostbacks(1);
    expect(await client().flush()).toBe(true);
    expect(receiver.postbacks).toEqual([{ ref_id: 'abc', event_name: 'user_converted', revenue: 2 }]);
  });

  it('`when` returning false skips the conversion', async () => {
    const agent = await landed();
    await agent.post('/orders/maybe').send({ paid: false }).expect(201);
    await agent.post('/orders/maybe').send({ paid: true }).expect(201);
    expect(await client().flush()).toBe(true);
    expect(receiver.postbacks).toEqual([{ ref_id: 'abc', event_name: 'user_converted', revenue: 1 }]);
    expect(logger.records).toContainEqual(
      expect.objectContaining({ level: 'debug', message: expect.stringMatching(/`when` returned false/) }),
    );
  });

  it('`await: true` answers only once the postback was accepted', async () => {
    const agent = await landed();
    receiver.inject({ delayMs: 100 });
    await agent.post('/orders/await').expect(201, { ok: true });
    expect(receiver.postbacks).toEqual([{ ref_id: 'abc', event_name: 'user_converted', revenue: 10 }]);
  });

  it('`await: true` turns a delivery failure into the handler error', async () => {
    const agent = await landed();
    receiver.inject({ status: 400 });
    await agent.post('/orders/await').expect(500);
    expect(receiver.postbacks).toEqual([]);
  });

  it('`await: true` without a ref_id answers normally and sends nothing', async () => {
    await request(app.getHttpServer()).post('/orders/await').expect(201, { ok: true });
    expect(receiver.requests).toEqual([]);
  });

  it('`await: true` on an Observable handler answers only once the postback of its last value was accepted', async () => {
    const agent = await landed();
    const gate = app.get(StreamGate);
    gate.arm();
    receiver.inject({ delayMs: 100 });
    const response = agent.post('/orders/stream-await').then((res) => res);
    await gate.opened;
    gate.subject.next({ total: 1 });
    gate.subject.next({ total: 2 });
    gate.subject.complete();
    const res = await response;
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ total: 2 });
    // No waitForPostbacks: the receiver held the postback 100 ms, and the response waited for it.
    expect(receiver.postbacks).toEqual([{ ref_id: 'abc', event_name: 'user_converted', revenue: 2 }]);
  });

  it('`await: true`: a throwing function sends nothing, is reported, and the handler still answers', async () => {
    const agent = await landed();
    for (const name of USER_FUNCTIONS) {
      await agent.post('/orders/checked-await').set('x-misbehave', `throw:${name}`).expect(201, { ok: true });
    }
    expect(await client().flush()).toBe(true);
    expect(receiver.requests).toEqual([]);
    const reported = logger.records.filter((record) => record.level === 'warn');
    expect(reported).toEqual(
      USER_FUNCTIONS.map((name) => ({
        level: 'warn',
        message: expect.stringContaining(
          `@TrackConversion on ShopController.checkedAwait: the \`${name}\` function threw: ${name} broke`,
        ),
        details: { code: 'GC_ERR_CAPTURE' },
      })),
    );
    // The same endpoint, its functions behaving, sends before answering.
    await agent.post('/orders/checked-await').expect(201, { ok: true });
    expect(receiver.postbacks).toEqual([CHECKED_BODY]);
  });

  it('a function returning a promise sends nothing and is reported, with or without `await`', async () => {
    const agent = await landed();
    for (const path of ['/orders/checked', '/orders/checked-await']) {
      for (const name of USER_FUNCTIONS) {
        for (const how of ['resolve', 'reject']) {
          await agent.post(path).set('x-misbehave', `${how}:${name}`).expect(201, { ok: true });
        }
      }
    }
    expect(await client().flush()).toBe(true);
    expect(receiver.requests).toEqual([]);
    const reported = logger.records.filter((record) => record.level === 'warn');
    expect(reported).toHaveLength(2 * USER_FUNCTIONS.length * 2);
    for (const handler of ['checked', 'checkedAwait']) {
      for (const name of USER_FUNCTIONS) {
        expect(reported).toContainEqual({
          level: 'warn',
          message: expect.stringContaining(
            `@TrackConversion on ShopController.${handler}: the \`${name}\` function returned a promise`,
          ),
          details: { code: 'GC_ERR_CAPTURE' },
        });
      }
    }
    await agent.post('/orders/checked').expect(201, { ok: true });
    await receiver.waitForPostbacks(1);
    expect(receiver.postbacks).toEqual([CHECKED_BODY]);
  });

  it('without a ref_id nothing is sent, and that is logged at debug level', async () => {
    await request(app.getHttpServer()).post('/orders').send({ total: 5 }).expect(201);
    expect(await client().flush()).toBe(true);
    expect(receiver.requests).toEqual([]);
    expect(logger.records).toContainEqual({
      level: 'debug',
      message: expect.stringMatching(/no ref_id/),
      details: { event_name: 'user_converted', handler: 'ShopController.order' },
    });
  });

  it('without consent nothing is stored', async () => {
    const landing = await request(app.getHttpServer())
      .get('/landing?ref_id=abc')
      .set('x-consent', 'no')
      .expect(200, {});
    expect(landing.headers['set-cookie']).toBeUndefined();
  });

  it('with `consent: () => false`, @TrackConversion sends nothing despite a stored and a query ref_id', async () => {
    const landing = await request(app.getHttpServer()).get('/landing?ref_id=abc').expect(200);
    const cookie = String(landing.headers['set-cookie']?.[0]).split(';')[0] as string;
    const scoped = await createApp(platform, {
      imports: [
        GrowthChannelModule.forRoot({ client: clientOptions(receiver), logger: {}, consent: () => false }),
        ShopModule,
      ],
    });
    try {
      const server = scoped.getHttpServer();
      await request(server).post('/orders?ref_id=abc').set('cookie', cookie).send({ total: 1 }).expect(201);
      await request(server).post('/orders/await?ref_id=abc').set('cookie', cookie).expect(201, { ok: true });
      expect(await scoped.get(GrowthChannelService).client.flush()).toBe(true);
      expect(receiver.requests).toEqual([]);
    } finally {
      await scoped.close();
    }
    // The cookie itself was good: with consent, it converts.
    await request(app.getHttpServer())
      .post('/orders')
      .set('cookie', cookie)
      .send({ total: 49.5 })
      .expect(201);
    await receiver.waitForPostbacks(1);
    expect(receiver.postbacks).toEqual([ORDER_BODY]);
  });

  it('without onError, capture problems and failed deliveries are warnings with code and message', async () => {
    const warned = recordingLogger();
    const scoped = await createApp(platform, {
      imports: [
        GrowthChannelModule.forRoot({
          client: clientOptions(receiver),
          logger: warned,
          consent: () => {
            throw new Error('consent store down');
          },
        }),
        ShopModule,
      ],
    });
    try {
      await request(scoped.getHttpServer()).get('/landing?ref_id=abc').expect(200, {});
      expect(warned.records).toContainEqual({
        level: 'warn',
        message: expect.stringMatching(/^Growth Channel: .*consent callback threw/),
        details: { code: 'GC_ERR_CAPTURE' },
      });
      receiver.inject({ status: 400 });
      scoped.get(GrowthChannelService).client.track({ ref_id: 'abc' });
      expect(await scoped.get(GrowthChannelService).client.flush()).toBe(true);
      expect(warned.records).toContainEqual({
        level: 'warn',
        message: expect.stringMatching(/^Growth Channel: /),
        details: { code: 'GC_ERR_HTTP' },
      });
    } finally {
      await scoped.close();
    }
    expect(JSON.stringify(warned.records)).not.toContain(API_KEY);
  });

  it('on a controller class it applies to every handler, once, and a handler decorator wins', async () => {
    const agent = await landed();
    await agent.post('/account/a').expect(201);
    await agent.post('/account/b').expect(201);
    expect(await client().flush()).toBe(true);
    expect(receiver.postbacks).toHaveLength(2);
    expect(receiver.postbacks).toContainEqual({ ref_id: 'abc', event_name: 'account_event' });
    expect(receiver.postbacks).toContainEqual({ ref_id: 'abc', event_name: 'b_event', revenue: 2 });
  });

  it('GrowthChannelService tracks and sends from code', async () => {
    const agent = await landed();
    await agent.post('/manual/track').expect(201, { queued: true, refId: 'abc' });
    await agent.post('/manual/send').expect(201, { status: 'ok' });
    expect(receiver.postbacks).toContainEqual({ ref_id: 'abc', event_name: 'manual_sent' });
    await receiver.waitForPostbacks(2);
    expect(receiver.postbacks).toContainEqual({ ref_id: 'abc', event_name: 'manual', revenue: 5 });
    const anonymous = await request(app.getHttpServer()).post('/manual/track').expect(201);
    expect(anonymous.body).toEqual({ queued: false });
  });

  it('`routes` limits where the query is captured; conversions still read the stored ref_id', async () => {
    const scoped = await createApp(platform, {
      imports: [
        GrowthChannelModule.forRoot({ client: clientOptions(receiver), logger: {}, routes: ['landing'] }),
        ShopModule,
      ],
    });
    try {
      const outside = await request(scoped.getHttpServer()).get('/whoami?ref_id=zzz').expect(200, {});
      expect(outside.headers['set-cookie']).toBeUndefined();
      const neighbour = await request(scoped.getHttpServer()).get('/landings?ref_id=zzz').expect(200, {});
      expect(neighbour.headers['set-cookie']).toBeUndefined();
      // A path covers the paths below it, on both platforms.
      const below = await request(scoped.getHttpServer())
        .get('/landing/deeper/page?ref_id=deep')
        .expect(200, { refId: 'deep' });
      expect(below.headers['set-cookie']).toEqual([expect.stringMatching(/^gc_ref_id=/)]);
      const agent = await landed(scoped.getHttpServer());
      await agent.get('/whoami?ref_id=zzz').expect(200, { refId: 'abc' });
      await agent.post('/orders').send({ total: 49.5 }).expect(201);
      await receiver.waitForPostbacks(1);
      expect(receiver.postbacks).toEqual([ORDER_BODY]);
    } finally {
      await scoped.close();
    }
  });

  it('forRootAsync takes its options from an injected config provider', async () => {
    class AppConfig {
      readonly trackerId = 'campaign-7';
      constructor(readonly growthChannelUrl: string) {}
    }
    @Module({})
    class ConfigModule {}
    const scoped = await createApp(platform, {
      imports: [
        GrowthChannelModule.forRootAsync({
          imports: [
            {
              module: ConfigModule,
              providers: [{ provide: AppConfig, useValue: new AppConfig(receiver.url) }],
              exports: [AppConfig],
            },
          ],
          inject: [AppConfig],
          useFactory: async (config: AppConfig) => ({
            client: { ...clientOptions(receiver), baseUrl: config.growthChannelUrl },
            trackerId: config.trackerId,
            logger: {},
          }),
        }),
        ShopModule,
      ],
    });
    try {
      const agent = await landed(scoped.getHttpServer());
      await agent.post('/orders').send({ total: 49.5 }).expect(201);
      await receiver.waitForPostbacks(1);
      expect(receiver.postbacks).toEqual([{ ...ORDER_BODY, tracker_id: 'campaign-7' }]);
    } finally {
      await scoped.close();
    }
  });

  it('app.close() flushes the queue and closes the client the module created', async () => {
    const scoped = await createApp(platform, {
      imports: [GrowthChannelModule.forRoot({ client: clientOptions(receiver), logger: {} }), ShopModule],
    });
    const ownClient = scoped.get(GrowthChannelService).client;
    const agent = await landed(scoped.getHttpServer());
    receiver.inject({ delayMs: 100 });
    await agent.post('/orders').send({ total: 49.5 }).expect(201);
    expect(receiver.postbacks).toEqual([]);
    await scoped.close();
    expect(receiver.postbacks).toEqual([ORDER_BODY]);
    expect(ownClient.closed).toBe(true);
  });

  it('app.close() flushes a client passed in, and leaves it open', async () => {
    const passed = createClient(clientOptions(receiver));
    const scoped = await createApp(platform, {
      imports: [GrowthChannelModule.forRoot({ client: passed, logger: {} }), ShopModule],
    });
    try {
      expect(scoped.get(GrowthChannelService).client).toBe(passed);
      const agent = await landed(scoped.getHttpServer());
      receiver.inject({ delayMs: 100 });
      await agent.post('/orders').send({ total: 49.5 }).expect(201);
      await scoped.close();
      expect(receiver.postbacks).toEqual([ORDER_BODY]);
      expect(passed.closed).toBe(false);
    } finally {
      await passed.close();
    }
  });
});
