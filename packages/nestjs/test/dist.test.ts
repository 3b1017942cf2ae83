import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Receiver, startReceiver } from '@growth-channel/testing';
import { Controller, Get, type INestApplication, Post } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, clientOptions, createApp, PLATFORMS, type PlatformName } from './helpers.js';

// The other suites run src through swc with decorator metadata. This one loads the build that is
// published, and hides constructor parameter types while Nest wires it, as a build without metadata
// would: the library's injections must not depend on them. `turbo run test` builds first; a checkout
// without dist skips it.
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const PARAMTYPES = 'design:paramtypes';
const READERS = ['getMetadata', 'getOwnMetadata', 'hasMetadata', 'hasOwnMetadata'] as const;

/** Creates the app with `design:paramtypes` invisible to Nest; returns the classes Nest asked it of. */
async function createAppWithoutParamTypes(
  platform: PlatformName,
  metadata: Parameters<typeof createApp>[1],
): Promise<{ app: INestApplication; askedFor: Set<unknown> }> {
  const reflect = Reflect as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = READERS.map((name) => [name, reflect[name] as (...args: unknown[]) => unknown] as const);
  const askedFor = new Set<unknown>();
  for (const [name, original] of originals) {
    reflect[name] = (key: unknown, target: unknown, ...rest: unknown[]) => {
      if (key !== PARAMTYPES) return original.call(Reflect, key, target, ...rest);
      askedFor.add(target);
      return name.startsWith('has') ? false : undefined;
    };
  }
  try {
    return { app: await createApp(platform, metadata), askedFor };
  } finally {
    for (const [name, original] of originals) reflect[name] = original;
  }
}

describe.runIf(existsSync(DIST))('the built package (dist/index.js)', () => {
  let gc: typeof import('../src/index.js');
  let receiver: Receiver;

  beforeAll(async () => {
    gc = await import(/* @vite-ignore */ DIST);
    receiver = await startReceiver({ apiKey: API_KEY });
  });

  afterAll(() => receiver?.close());

  it.each(PLATFORMS)(
    'on the %s platform, without decorator metadata, captures and delivers a conversion',
    async (platform) => {
      const {
        GrowthChannelModule,
        GrowthChannelService,
        RefId,
        TrackConversion,
        TrackConversionInterceptor,
      } = gc;

      @Controller()
      class DistController {
        @Get('landing')
        landing(@RefId() refId: string | undefined) {
          return { refId };
        }

        @Post('orders')
        @TrackConversion('user_converted', { revenue: (order: { total: number }) => order.total })
        order() {
          return { total: 3 };
        }
      }

      const { app, askedFor } = await createAppWithoutParamTypes(platform, {
        imports: [GrowthChannelModule.forRoot({ client: clientOptions(receiver), logger: {} })],
        controllers: [DistController],
      });
      try {
        // Nest looked for the metadata of the library's classes, and found none.
        expect(askedFor).toContain(TrackConversionInterceptor);
        expect(askedFor).toContain(GrowthChannelService);
        const agent = request.agent(app.getHttpServer());
        await agent.get('/landing?ref_id=dist').expect(200, { refId: 'dist' });
        await agent.post('/orders').expect(201, { total: 3 });
        await receiver.waitForPostbacks(1);
        expect(receiver.postbacks).toEqual([{ ref_id: 'dist', event_name: 'user_converted', revenue: 3 }]);
      } finally {
        await app.close();
        receiver.clear();
      }
    },
  );
});
