export { POSTBACK_PATH } from './constants.js';
export { startReceiver } from './receiver.js';
export type {
  Fault,
  ReceivedPostback,
  ReceivedRequest,
  Receiver,
  ReceiverOptions,
  WaitOptions,
} from './types.js';
