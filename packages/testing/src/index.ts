export { FAST_RETRIES, POSTBACK_PATH } from './constants.js';
export { startReceiver } from './receiver.js';
export type {
  Fault,
  ReceivedPostback,
  ReceivedRequest,
  Receiver,
  ReceiverClientOptions,
  ReceiverOptions,
  WaitOptions,
} from './types.js';
