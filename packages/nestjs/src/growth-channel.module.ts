import {
  ConfigurableModuleBuilder,
  type DynamicModule,
  Inject,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  RequestMethod,
} from '@nestjs/common';
import { CaptureMiddleware, CaptureRouteMiddleware } from './capture.middleware.js';
import { type CaptureHost, createCaptureHost } from './growth-channel.capture.js';
import { GROWTH_CHANNEL_CAPTURE } from './growth-channel.constants.js';
import {
  type GrowthChannelModuleExtras,
  type GrowthChannelModuleOptions,
  resolveIsGlobal,
} from './growth-channel.options.js';
import { GrowthChannelService } from './growth-channel.service.js';
import { TrackConversionInterceptor } from './track-conversion.interceptor.js';

const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<GrowthChannelModuleOptions>({ moduleName: 'GrowthChannel' })
    .setClassMethodName('forRoot')
    .setExtras<GrowthChannelModuleExtras>({ isGlobal: true }, (definition, extras) => ({
      ...definition,
      global: resolveIsGlobal(extras.isGlobal),
    }))
    .build();

/** What `GrowthChannelModule.forRoot()` takes: the module options plus `isGlobal`. */
export type GrowthChannelModuleForRootOptions = typeof OPTIONS_TYPE;
/** What `GrowthChannelModule.forRootAsync()` takes: `imports`, `useFactory`, `inject` (or `useClass`/`useExisting`) and `isGlobal`. */
export type GrowthChannelModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE;

/**
 * Captures the ref_id on every request (Express and Fastify platforms) and provides
 * `GrowthChannelService` and `@TrackConversion()`. Global unless `isGlobal: false`.
 * @example
 * ```ts
 * @Module({
 *   imports: [GrowthChannelModule.forRoot({ client: { apiKey: process.env.GROWTH_CHANNEL_API_KEY } })],
 *   controllers: [ShopController],
 * })
 * export class AppModule {}
 * ```
 */
@Module({
  providers: [
    { provide: GROWTH_CHANNEL_CAPTURE, useFactory: createCaptureHost, inject: [MODULE_OPTIONS_TOKEN] },
    GrowthChannelService,
    TrackConversionInterceptor,
  ],
  // The capture is exported because @TrackConversion's interceptor is instantiated in the controller's module.
  exports: [GROWTH_CHANNEL_CAPTURE, GrowthChannelService, TrackConversionInterceptor],
})
export class GrowthChannelModule extends ConfigurableModuleClass implements NestModule {
  constructor(@Inject(GROWTH_CHANNEL_CAPTURE) private readonly host: CaptureHost) {
    super();
  }

  /**
   * Registers the module with static options; without any, the client reads `GROWTH_CHANNEL_API_KEY`
   * and `GROWTH_CHANNEL_BASE_URL` from the environment.
   */
  static override forRoot(options: GrowthChannelModuleForRootOptions = {}): DynamicModule {
    // biome-ignore lint/complexity/noThisInStatic: the inherited method builds the definition from `this`; calling it on ConfigurableModuleClass would register the wrong module.
    return super.forRoot(options);
  }

  /** Registers the module with options from a factory, e.g. one reading `ConfigService`. */
  static override forRootAsync(options: GrowthChannelModuleAsyncOptions): DynamicModule {
    // biome-ignore lint/complexity/noThisInStatic: as in forRoot.
    return super.forRootAsync(options);
  }

  /** Applies capture to every route; `routes` limits where a ref_id is read from the query. */
  configure(consumer: MiddlewareConsumer): void {
    if (this.host.routes !== undefined) consumer.apply(CaptureRouteMiddleware).forRoutes(...this.host.routes);
    consumer.apply(CaptureMiddleware).forRoutes({ path: '*', method: RequestMethod.ALL });
  }
}
