export {
  type CaptureCookieOptions,
  type ClientOptions,
  type ConversionFields,
  createClient,
  type GcContext,
  type GrowthChannelClient,
  GrowthChannelError,
  type GrowthChannelErrorCode,
  type GrowthChannelLogger,
  isGrowthChannelError,
  type PostbackResponse,
} from '@growth-channel/core';
export {
  GrowthChannelModule,
  type GrowthChannelModuleAsyncOptions,
  type GrowthChannelModuleForRootOptions,
} from './growth-channel.module.js';
export type {
  GrowthChannelModuleExtras,
  GrowthChannelModuleOptions,
  GrowthChannelRoute,
} from './growth-channel.options.js';
export { GrowthChannelService } from './growth-channel.service.js';
export { RefId } from './ref-id.decorator.js';
export {
  type ConversionValue,
  TrackConversion,
  type TrackConversionOptions,
} from './track-conversion.decorator.js';
export { TrackConversionInterceptor } from './track-conversion.interceptor.js';
