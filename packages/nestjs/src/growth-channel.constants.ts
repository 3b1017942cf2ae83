/** The package name that starts every configuration error message. */
export const PACKAGE_NAME = '@growth-channel/nestjs';

/** Metadata key under which `@TrackConversion()` stores what to send. */
export const TRACK_CONVERSION_METADATA = 'growth-channel:track-conversion';

/**
 * Injection token of the module's capture (the core capture plus the resolved Nest options).
 * A string rather than a symbol so that a Nest "can't resolve dependencies" error names it readably.
 */
export const GROWTH_CHANNEL_CAPTURE = 'GROWTH_CHANNEL_CAPTURE';

// Symbol.for: the ESM and CJS builds of this package, if both end up loaded, must agree on the keys.
/** Per-request key of the `GcContext` on the node request. */
export const GC_CONTEXT = Symbol.for('@growth-channel/nestjs.context');
/** Per-request flag set where `routes` allows reading the ref_id from the query. */
export const CAPTURE_ROUTE = Symbol.for('@growth-channel/nestjs.captureRoute');
