/**
 * @talkbus/sip — the public API of the SIP stack. Only this file is imported by other
 * packages (STYLE.md §1). Layers so far: URIs and messages (RFC 3261 §7, §19, §20, §25).
 */

// Errors
export { SipErrorCode, SipParseError, type SipParseErrorOptions } from './errors.ts';

// URIs
export { SipUri, UriParams, escapeUser, type SipUriInit, type UriHeader } from './uri/sip-uri.ts';
export { TelUri, stripVisualSeparators, type TelUriInit } from './uri/tel-uri.ts';
export { AbsoluteUri, parseUri, tryParseUri, MAX_URI_LENGTH, type Uri } from './uri/uri.ts';
export { uriEquals } from './uri/compare.ts';
export { escapeUri, unescapeUri } from './uri/escape.ts';
export { hostKind, isIpAddress, HostKind } from './uri/host.ts';
export { formatDialUri, DialMode, LOCAL_LOGIN_USER, type DialUriOptions } from './uri/dial-string.ts';

// Parameters and lexical helpers
export { Params, type ParamEntry } from './syntax/params.ts';
export { quote, unquote, splitList } from './syntax/scanner.ts';

// Messages
export { SipHeaders, unfold, type HeaderField } from './message/headers.ts';
export { canonicalName, headerKey, isListHeader } from './message/header-names.ts';
export {
  SipRequest,
  SipResponse,
  type SipMessage,
  type SipRequestInit,
  type SipResponseInit,
  type HeadersInit,
} from './message/message.ts';
export { parseMessage, isKeepAlive, type ParseOptions } from './message/parser.ts';
export { DEFAULT_LIMITS, type SipLimits } from './message/header-section.ts';
export { SIP_VERSION } from './message/start-line.ts';
export { serializeMessage, serializeHead, type SerializeOptions } from './message/serializer.ts';
export { StreamFramer, type StreamFramerHandler, type KeepAliveKind } from './message/stream-framer.ts';
export {
  validateRequest,
  validateResponse,
  validateMessage,
  checkRequire,
  unsupportedRequirements,
  type ValidateRequestOptions,
} from './message/validate.ts';
export { createResponse, type CreateResponseOptions } from './message/response.ts';
export { createErrorResponse, partialHeaders } from './message/error-response.ts';
export { defaultReasonPhrase } from './message/reason-phrases.ts';
export { parseMultipart, buildMultipart, MAX_PARTS, type BodyPart, type BodyPartInit } from './message/multipart.ts';

// Header values
export {
  formatVia,
  isRfc3261Branch,
  BRANCH_MAGIC_COOKIE,
  parseViaValue,
  type Via,
  type ViaInit,
} from './message/values/via.ts';
export {
  formatNameAddr,
  parseNameAddr,
  type NameAddr,
  type FromTo,
  type ContactValue,
  type ContactHeader,
} from './message/values/name-addr.ts';
export { MAX_DELTA_SECONDS, parseDeltaSeconds, type CSeq, type RAck } from './message/values/numbers.ts';
export {
  digestChallenge,
  formatAuthValue,
  parseAuthValue,
  type AuthValue,
  type DigestChallenge,
} from './message/values/auth.ts';
export {
  parseContentTypeValue,
  type ContentType,
  type EventHeader,
  type Reason,
  type Replaces,
  type RetryAfter,
  type SessionExpires,
  type SubscriptionState,
} from './message/values/token-params.ts';
export { formatDate } from './message/values/date.ts';

// Time
export { systemClock, SimulatedClock, type Clock, type TimerHandle } from './clock.ts';

// Transport contract (the transport layer implements TransportLayer; the layer above implements TransportUser)
export {
  isReliable,
  type TransportProtocol,
  type TransportAddress,
  type InboundMessage,
  type SendTarget,
  type SendResult,
  type TransportFailure,
  type TransportUser,
  type TransportLayer,
  KEEPALIVE_PONG_TIMEOUT_MS,
  type KeepAliveOptions,
  type KeepAliveResult,
} from './transport/transport-types.ts';

// Digest authentication (RFC 2617, RFC 7616, RFC 8760; RFC 3261 §22)
export { AuthErrorCode, SipAuthError, type SipAuthErrorOptions } from './auth/auth-error.ts';
export {
  DIGEST_ALGORITHMS,
  digestAlgorithm,
  computeHa1,
  computeDigestResponse,
  computeUserhash,
  formatNonceCount,
  type DigestAlgorithm,
  type DigestAlgorithmInfo,
  type DigestHash,
  type DigestQop,
  type DigestResponseInput,
} from './auth/digest-algorithm.ts';
export {
  AUTH_LIMITS,
  AUTH_HEADERS,
  readOffer,
  readCredentials,
  formatDigest,
  type AuthKind,
  type DigestOffer,
  type DigestCredentialsValue,
} from './auth/auth-params.ts';
export {
  DigestClient,
  type DigestClientOptions,
  type DigestCredentials,
  type DigestRetry,
} from './auth/digest-client.ts';
export {
  DigestServer,
  type DigestServerOptions,
  type DigestSecret,
  type DigestVerification,
} from './auth/digest-server.ts';
export { copyCredentials, authorizeCancel, authorizeAck, type AuthorizeAckOptions } from './auth/cancel-ack.ts';

// Transports (RFC 3261 §18, RFC 3581, RFC 7118 WebSocket) and server location (RFC 3263)
export { SipTransportLayer, type ConnectionInfo } from './transport/transport-layer.ts';
export {
  DEFAULT_TRANSPORT_LIMITS,
  type SipTransportLayerOptions,
  type ListenerOptions,
  type TlsOptions,
  type TransportLimits,
  type TransportLogger,
  type StunOptions,
} from './transport/transport-options.ts';
export { TransportError, TransportErrorCode } from './transport/transport-error.ts';
export {
  locateServers,
  orderSrvRecords,
  systemDnsResolver,
  type DnsResolver,
  type LocateOptions,
  type NaptrRecord,
  type ServerTarget,
  type SrvRecord,
  type SystemDnsOptions,
} from './transport/resolver.ts';
export { ServerFailover, shouldTryNextTarget, tryTargets, type AttemptOutcome } from './transport/failover.ts';
export {
  defaultPort,
  requestProtocolFor,
  stampReceived,
  stampSentBy,
  viaTransport,
  type ProtocolChoice,
  type SentBy,
} from './transport/via-rules.ts';
export { computeResponseTarget } from './transport/response-target.ts';
export {
  STUN_BINDING,
  STUN_HEADER_BYTES,
  STUN_MAGIC_COOKIE,
  MAX_STUN_BYTES,
  StunAttribute,
  StunErrorCode,
  StunParseError,
  isStunPacket,
  parseStunMessage,
  createBindingRequest,
  createBindingSuccess,
  createStunErrorResponse,
  newStunTransactionId,
  type StunAddress,
  type StunClass,
  type StunEncodeOptions,
  type StunMessage,
} from './transport/stun.ts';
export {
  StunAgent,
  DEFAULT_STUN_TIMERS,
  stunTransactionTimeoutMs,
  type StunAgentOptions,
  type StunBindingResult,
  type StunPeer,
  type StunSend,
  type StunTimers,
} from './transport/stun-agent.ts';

// Transactions (RFC 3261 §17, RFC 6026). The UA core implements TransactionUser.
export {
  TransactionLayer,
  DEFAULT_MAX_TRANSACTIONS,
  type TransactionLayerOptions,
  type Retransmit2xxOptions,
  type AnyClientTransaction,
} from './transaction/transaction-layer.ts';
export type { TransactionUser, AnyServerTransaction } from './transaction/transaction-user.ts';
export { InviteClientTransaction, InviteClientState } from './transaction/invite-client-transaction.ts';
export { NonInviteClientTransaction, NonInviteClientState } from './transaction/non-invite-client-transaction.ts';
export { InviteServerTransaction, InviteServerState } from './transaction/invite-server-transaction.ts';
export { NonInviteServerTransaction, NonInviteServerState } from './transaction/non-invite-server-transaction.ts';
export type { ClientTransactionUser, ClientTransactionLike } from './transaction/client-transaction.ts';
export { newTag, type ServerTransactionLike } from './transaction/server-transaction.ts';
export {
  UasInviteRetransmitter,
  type UasInviteRetransmitterOptions,
  type UasInviteRetransmitterState,
} from './transaction/uas-invite-retransmitter.ts';
export { createNon2xxAck, createCancel } from './transaction/derived-requests.ts';
export { createBranch } from './transaction/branch.ts';
export {
  DEFAULT_TIMER_CONFIG,
  transactionTimers,
  resolveTimerConfig,
  type TimerConfig,
  type TransactionTimers,
} from './transaction/timer-config.ts';
export {
  TransactionError,
  TransactionErrorCode,
  type TransactionErrorOptions,
} from './transaction/transaction-errors.ts';
export type { TimerName } from './transaction/transaction-machine.ts';

// Dialogs (RFC 3261 §12; RFC 3311 UPDATE, RFC 6086 INFO, RFC 3515 REFER, RFC 3428 MESSAGE, RFC 4028 session timers)
export { SipError, UaErrorCode, type SipErrorOptions } from './dialog/sip-error.ts';
export {
  Dialog,
  type DialogEvents,
  type DestroyInfo,
  type DialogParty,
  type DialogRequestOptions,
  type NotifyOptions,
} from './dialog/dialog.ts';
export {
  DialogState,
  DialogPhase,
  buildInDialogRequest,
  routeRequest,
  dialogKey,
  type DialogId,
  type DialogRole,
  type DialogEvent,
} from './dialog/dialog-state.ts';
export {
  IncomingRequest,
  ServerResponse,
  headerPairs,
  type HeaderList,
  type ResponseOptions,
} from './dialog/server-request.ts';
export {
  createSipfrag,
  parseSipfrag,
  referNotify,
  SIPFRAG_CONTENT_TYPE,
  type SipfragStatus,
} from './dialog/sipfrag.ts';
export { glareRetryDelay } from './dialog/glare.ts';
export { setHold, type SdpDirection } from './dialog/sdp-direction.ts';
export { DEFAULT_SESSION_TIMER, type SessionTimerConfig, type SessionTimerTerms } from './dialog/session-timer.ts';
export {
  ReliableProvisionals,
  RELIABLE_TAG,
  type ReliableProvisionalsOptions,
} from './dialog/reliable-provisionals.ts';

// User agent (RFC 3261 §8, §13, §15; API shaped like drachtio-srf)
export { SipUserAgent, DEFAULT_ALLOW, DEFAULT_ACCEPT } from './ua/user-agent.ts';
export {
  DEFAULT_UA_LIMITS,
  type SipUserAgentOptions,
  type SipUserAgentEvents,
  type UserAgentLimits,
  type UserAgentLogger,
  type CreateUacOptions,
  type CreateUasOptions,
  type RequestOptions,
  type OutOfDialogOptions,
  type PrackContent,
} from './ua/ua-options.ts';
export type { SubscribeOptions } from './ua/subscription.ts';
