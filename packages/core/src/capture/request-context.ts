import type { GrowthChannelClient } from '../client/client.js';
import { GrowthChannelNoRefIdError, GrowthChannelValidationError, isGrowthChannelError } from '../errors.js';
import type { ConversionFields, PostbackInput, PostbackResponse } from '../schema.js';
import type { CaptureEngine, RefIdOrigin } from './capture.js';
import type { StoredRefId } from './stored-ref.js';

/** What `req.gc` / `request.gc` holds on every request after capture. */
export interface GcContext {
  /** The ref_id this request is attributed to (query or storage, per the attribution policy), or `undefined`. */
  readonly refId: string | undefined;
  /** Where {@link GcContext.refId} came from. */
  readonly refIdSource: RefIdOrigin | undefined;
  /**
   * Queues a conversion for background delivery and returns at once: `true` when a postback was queued,
   * `false` when there is no ref_id, no consent, or it was refused (reported to `onError`). Never throws.
   */
  trackConversion(eventName?: string, fields?: ConversionFields): boolean;
  /**
   * Sends a conversion and waits for delivery. Rejects with a `GrowthChannelError`:
   * `GC_ERR_NO_REF_ID` when the request has no ref_id (or no consent), else the client's errors.
   */
  sendConversion(eventName?: string, fields?: ConversionFields): Promise<PostbackResponse>;
  /** The client conversions are sent with (shared by every request). */
  readonly client: GrowthChannelClient;
}

/** @internal The per-request object behind `req.gc`. */
export class GcRequestContext<Req, Res> implements GcContext {
  readonly #engine: CaptureEngine<Req, Res>;
  readonly #req: Req;
  readonly #fromQuery: string | undefined;
  #resolved = false;
  #consent: boolean | undefined;
  #refId: string | undefined;
  #source: RefIdOrigin | undefined;

  constructor(engine: CaptureEngine<Req, Res>, req: Req, _res: Res, fromQuery: string | undefined) {
    this.#engine = engine;
    this.#req = req;
    this.#fromQuery = fromQuery;
  }

  get refId(): string | undefined {
    this.#resolve();
    return this.#refId;
  }

  get client(): GrowthChannelClient {
    return this.#engine.client;
  }

  get refIdSource(): RefIdOrigin | undefined {
    this.#resolve();
    return this.#source;
  }

  /**
   * @internal Whether the visitor consents, asked of the `consent` callback once per request:
   * a callback with side effects or I/O runs once, and a throwing one is reported once.
   */
  consents(): boolean {
    this.#consent ??= this.#engine.hasConsent(this.#req);
    return this.#consent;
  }

  /** @internal Called by capture when it stored (or, first touch, kept) a ref_id on this request. */
  setStored(stored: StoredRefId, origin: RefIdOrigin): void {
    this.#resolved = true;
    this.#refId = stored.refId;
    this.#source = stored.refId === this.#fromQuery ? 'query' : origin;
  }

  trackConversion(eventName?: string, fields?: ConversionFields): boolean {
    try {
      const postback = this.#postback(eventName, fields);
      if (postback === undefined) return false;
      return this.#engine.client.track(postback);
    } catch (error) {
      if (isGrowthChannelError(error)) this.#engine.reportError(error);
      else this.#engine.reportCaptureError('trackConversion failed', error);
      return false;
    }
  }

  async sendConversion(eventName?: string, fields?: ConversionFields): Promise<PostbackResponse> {
    const postback = this.#postback(eventName, fields);
    if (postback === undefined) {
      throw new GrowthChannelNoRefIdError(
        this.consents()
          ? 'No ref_id for this request (none in the query or storage): nothing was sent.'
          : 'The consent callback returned false for this request: nothing was sent.',
      );
    }
    return this.#engine.client.send(postback);
  }

  #postback(eventName: string | undefined, fields: ConversionFields | undefined): PostbackInput | undefined {
    const engine = this.#engine;
    if (!this.consents()) {
      engine.debug('conversion not sent: no consent');
      return undefined;
    }
    const refId = this.refId;
    if (refId === undefined) {
      engine.debug('conversion not sent: no ref_id on this request', { event_name: eventName });
      return undefined;
    }
    const postback: Record<string, unknown> = {};
    if (engine.options.trackerId !== undefined) postback.tracker_id = engine.options.trackerId;
    if (fields !== undefined && fields !== null) {
      if (typeof fields !== 'object') {
        throw new GrowthChannelValidationError(
          '`fields` must be an object of postback fields (revenue, conversion_data, tracker_id).',
          ['fields: expected an object'],
        );
      }
      Object.assign(postback, fields);
    }
    if (eventName !== undefined) postback.event_name = eventName;
    postback.ref_id = refId;
    return postback as PostbackInput;
  }

  #resolve(): void {
    if (this.#resolved) return;
    this.#resolved = true;
    const engine = this.#engine;
    if (!this.consents()) return;
    const fromQuery = this.#fromQuery;
    if (fromQuery !== undefined && engine.options.attribution === 'last') {
      this.#refId = fromQuery;
      this.#source = 'query';
      return;
    }
    const stored = engine.options.storage === 'none' ? undefined : engine.readStored(this.#req);
    if (stored !== undefined) {
      this.#refId = stored.stored.refId;
      this.#source = stored.origin;
    } else if (fromQuery !== undefined) {
      this.#refId = fromQuery;
      this.#source = 'query';
    }
  }

  toJSON(): Record<string, unknown> {
    return { refId: this.refId, refIdSource: this.refIdSource };
  }
}
