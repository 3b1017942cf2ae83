import { type Receiver, startReceiver } from '@growth-channel/testing';
import { Controller, Module, Post } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GrowthChannelModule, type GrowthChannelModuleOptions, TrackConversion } from '../src/index.js';
import { API_KEY, clientOptions, createApp } from './helpers.js';

@Controller()
class OrderController {
  @Post('orders')
  @TrackConversion('user_converted')
  order() {
    return {};
  }
}

@Module({ controllers: [OrderController] })
class FeatureModule {}

async function compileError(options: GrowthChannelModuleOptions): Promise<Error> {
  const app = createApp('express', { imports: [GrowthChannelModule.forRoot(options)] });
  return app.then(
    () => {
      throw new Error('expected the options to be refused');
    },
    (error: Error) => error,
  );
}

describe('GrowthChannelModule options', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver({ apiKey: API_KEY });
  });
  afterAll(() => receiver?.close());

  it('refuses an unknown option, naming it and listing those allowed', async () => {
    const error = await compileError({ rout: ['landing'] } as GrowthChannelModuleOptions);
    expect(error).toMatchObject({ name: 'GrowthChannelConfigError', code: 'GC_ERR_CONFIG' });
    expect(error.message).toMatch(
      /^@growth-channel\/nestjs: unknown option `rout`; allowed: client, .*routes/,
    );
  });

  it('refuses a bad capture option with core’s message, prefixed with this package', async () => {
    const error = await compileError({ storage: 'sideways' } as unknown as GrowthChannelModuleOptions);
    expect(error.message).toMatch(/^@growth-channel\/nestjs: `storage` must be one of 'auto'/);
    const cookie = await compileError({ cookie: { sameSite: 'none', secure: false } });
    expect(cookie.message).toMatch(
      /^@growth-channel\/nestjs: `cookie.sameSite: 'none'` needs a Secure cookie/,
    );
  });

  it('refuses `routes` that is empty or holds something forRoutes() cannot take', async () => {
    for (const routes of [[], [42], 'landing']) {
      const error = await compileError({ routes } as unknown as GrowthChannelModuleOptions);
      expect(error.message).toMatch(/^@growth-channel\/nestjs: `routes` must be a non-empty array/);
    }
  });

  it('refuses a non-boolean `isGlobal` when forRoot() is called', () => {
    expect(() => GrowthChannelModule.forRoot({ isGlobal: 'yes' as unknown as boolean })).toThrow(
      /^@growth-channel\/nestjs: `isGlobal` must be a boolean/,
    );
  });

  it('refuses bad options returned by a forRootAsync factory', async () => {
    const error = await createApp('express', {
      imports: [GrowthChannelModule.forRootAsync({ useFactory: () => ({ maxAgeDays: 0 }) })],
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^@growth-channel\/nestjs: `maxAgeDays` must be a number/);
  });

  it('does not mutate the options it is given', async () => {
    const options = Object.freeze({
      client: Object.freeze(clientOptions(receiver)),
      logger: Object.freeze({}),
      routes: Object.freeze(['landing']),
    });
    const app = await createApp('express', {
      imports: [GrowthChannelModule.forRoot(options), FeatureModule],
    });
    await app.close();
  });

  it('forRoot() without options reads the key and the URL from the environment', async () => {
    vi.stubEnv('GROWTH_CHANNEL_API_KEY', API_KEY);
    vi.stubEnv('GROWTH_CHANNEL_BASE_URL', receiver.url);
    try {
      const app = await createApp('express', { imports: [GrowthChannelModule.forRoot(), FeatureModule] });
      try {
        await request(app.getHttpServer()).post('/orders?ref_id=env').expect(201);
        await receiver.waitForPostbacks(1);
        expect(receiver.postbacks).toEqual([{ ref_id: 'env', event_name: 'user_converted' }]);
      } finally {
        await app.close();
      }
    } finally {
      vi.unstubAllEnvs();
      receiver.clear();
    }
  });

  it('with isGlobal: false, a module using @TrackConversion must import it', async () => {
    const notImported = await createApp('express', {
      imports: [GrowthChannelModule.forRoot({ isGlobal: false, logger: {} }), FeatureModule],
    }).catch((e: Error) => e);
    expect(String(notImported)).toMatch(/TrackConversionInterceptor[\s\S]*GROWTH_CHANNEL_CAPTURE/);

    const app = await createApp('express', {
      imports: [
        GrowthChannelModule.forRoot({ isGlobal: false, client: clientOptions(receiver), logger: {} }),
      ],
      controllers: [OrderController],
    });
    try {
      const agent = request.agent(app.getHttpServer());
      await agent.get('/nowhere?ref_id=abc').expect(404);
      await agent.post('/orders').expect(201);
      await receiver.waitForPostbacks(1);
      expect(receiver.postbacks).toEqual([{ ref_id: 'abc', event_name: 'user_converted' }]);
    } finally {
      await app.close();
    }
  });
});

describe('@TrackConversion() arguments', () => {
  it('refuses an unknown option when the class is declared, naming it', () => {
    expect(() => TrackConversion('user_converted', { conversionData: {} } as never)).toThrow(
      /^@growth-channel\/nestjs: @TrackConversion\(\): unknown option `conversionData`; allowed: revenue, conversion_data, tracker_id, when, await\.$/,
    );
  });

  it('refuses values of the wrong type, naming the option', () => {
    expect(() => TrackConversion('x', { revenue: '12' as never })).toThrow(/`revenue` must be a number/);
    expect(() => TrackConversion('x', { tracker_id: 7 as never })).toThrow(/`tracker_id` must be a string/);
    expect(() => TrackConversion('x', { conversion_data: 'a' as never })).toThrow(
      /`conversion_data` must be/,
    );
    expect(() => TrackConversion('x', { conversion_data: Promise.resolve({}) as never })).toThrow(
      /`conversion_data` must be an object \(not a promise\)/,
    );
    expect(() => TrackConversion('x', { when: true as never })).toThrow(/`when` must be a function/);
    expect(() => TrackConversion('x', { await: 'yes' as never })).toThrow(/`await` must be a boolean/);
    expect(() => TrackConversion('')).toThrow(/event name must be a non-empty string/);
  });

  it('types `when` as returning a boolean and the fields as their values: an async function does not compile', () => {
    // Checked by `pnpm typecheck`; at run time such a function is reported (see the e2e suite).
    // @ts-expect-error `when` returns a promise
    TrackConversion({ when: async () => true });
    // @ts-expect-error `revenue` returns a promise
    TrackConversion({ revenue: async () => 1 });
    // @ts-expect-error `conversion_data` returns a promise (which is an object too)
    TrackConversion({ conversion_data: async () => ({ plan: 'pro' }) });
    // @ts-expect-error `tracker_id` returns a promise
    TrackConversion({ tracker_id: async () => 'tracker-9' });
    interface Order {
      total: number;
      paid: boolean;
      items: { sku: string }[];
    }
    expect(() =>
      TrackConversion<Order>({
        when: (order) => order.paid,
        revenue: (order) => order.total,
        conversion_data: (order) => ({ items: order.items }),
        tracker_id: () => undefined,
      }),
    ).not.toThrow();
  });

  it('takes the options alone, without an event name', () => {
    expect(() => TrackConversion({ revenue: 1 })).not.toThrow();
  });
});
