export type { CaptureAdapter, CookieToSet } from './capture/adapter.js';
export { type Capture, createCapture, type RefIdOrigin, SESSION_KEY } from './capture/capture.js';
export {
  appendSetCookie,
  type CookieAttributes,
  type HeaderWritable,
  readCookie,
  serializeCookie,
} from './capture/cookie.js';
export {
  type AttributionPolicy,
  CAPTURE_OPTIONS,
  type CaptureCookieOptions,
  type CaptureOptions,
  type CaptureStorage,
  resolveCaptureOptions,
} from './capture/options.js';
export type { GcContext } from './capture/request-context.js';
export type { StoredRefId } from './capture/stored-ref.js';
export {
  type ClientStats,
  type CloseResult,
  createClient,
  type GrowthChannelClient,
  isGrowthChannelClient,
  type PostbackRequestPreview,
} from './client/client.js';
export {
  API_KEY_ENV,
  BASE_URL_ENV,
  type ClientOptions,
  DEFAULT_BASE_URL,
  type ErrorHandler,
  type GrowthChannelLogger,
  isLoopbackHost,
  POSTBACK_PATH,
} from './client/options.js';
export { MAX_RESPONSE_BYTES } from './client/transport.js';
export {
  GrowthChannelCaptureError,
  GrowthChannelClosedError,
  GrowthChannelConfigError,
  GrowthChannelError,
  type GrowthChannelErrorCode,
  type GrowthChannelErrorDetails,
  GrowthChannelHttpError,
  GrowthChannelNetworkError,
  GrowthChannelNoRefIdError,
  GrowthChannelQueueFullError,
  GrowthChannelRejectedError,
  GrowthChannelTimeoutError,
  GrowthChannelValidationError,
  isGrowthChannelError,
} from './errors.js';
export {
  createRefIdExtractor,
  DEFAULT_REF_ID_PARAM,
  type ExtractRefIdOptions,
  extractRefId,
  isValidRefId,
  MAX_REF_ID_INPUT_LENGTH,
  type QueryLike,
  REF_ID_PATTERN,
  type RefIdExtractor,
  type RefIdSource,
  type RefIdValidator,
  type RequestLike,
} from './ref-id.js';
export {
  type ConversionData,
  type ConversionFields,
  MAX_CONVERSION_DATA_BYTES,
  MAX_CONVERSION_DATA_DEPTH,
  type Postback,
  type PostbackInput,
  type PostbackResponse,
  parsePostback,
  postbackSchema,
} from './schema.js';
