/**
 * @talkbus/runtime — a talkbus node: configuration, the broker factory (embedded or NATS),
 * structured logging, service helpers and graceful shutdown.
 */
export {
  loadConfig,
  ConfigError,
  type TalkbusConfig,
  type LicenseMode,
  type SipConfig,
  type SipListenerProtocol,
  type MediaConfig,
} from './config.ts';
export { createBroker, startNode, stopOnSignals, NodeStartError, type TalkbusNode } from './node.ts';
export { actionsFrom, emit, type Handlers, type ServiceContext, type ServiceFactory } from './service.ts';
export { TalkbusRegenerator } from './regenerator.ts';
export { Pacer, systemClock, type Clock, type TimerHandle } from './clock.ts';
export {
  SipEndpoint,
  SipStack,
  isLocalAddress,
  type IncomingRequestHandler,
  type SipEndpointLogger,
  type SipEndpointOptions,
} from './sip-endpoint.ts';
