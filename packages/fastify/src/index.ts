import { growthChannel } from './plugin.js';

export type { GrowthChannelPluginOptions } from './options.js';
export { growthChannel };
export default growthChannel;

export {
  type AttributionPolicy,
  type CaptureCookieOptions,
  type CaptureOptions,
  type CaptureStorage,
  type ClientOptions,
  type CloseResult,
  type ConversionData,
  type ConversionFields,
  createClient,
  type ErrorHandler,
  extractRefId,
  type GcContext,
  GrowthChannelCaptureError,
  type GrowthChannelClient,
  GrowthChannelClosedError,
  GrowthChannelConfigError,
  GrowthChannelError,
  type GrowthChannelErrorCode,
  GrowthChannelHttpError,
  type GrowthChannelLogger,
  GrowthChannelNetworkError,
  GrowthChannelNoRefIdError,
  GrowthChannelQueueFullError,
  GrowthChannelRejectedError,
  GrowthChannelTimeoutError,
  GrowthChannelValidationError,
  isGrowthChannelError,
  type Postback,
  type PostbackInput,
  type PostbackRequestPreview,
  type PostbackResponse,
  type RefIdOrigin,
  type RefIdValidator,
} from '@growth-channel/core';
