/**
 * Error codes and the error class that crosses the broker.
 *
 * The product guide's constants appear here under readable names; the comment beside each
 * names the guide constant it stands for. A code is a stable string: applications switch on
 * `error.type` (Moleculer's field) or `TalkbusError.code`, never on the message.
 */
import Moleculer from 'moleculer';

/** Every talkbus error code, grouped by domain. */
export const ErrorCode = {
  // license (guide §3)
  /** No license on this device yet: activate one. Guide: `MTC_LCS_ERR_NEED_ACT_LICSEN`. */
  NEED_ACTIVATION: 'NEED_ACTIVATION',
  /** The license file named for deactivation does not exist. Guide: `MTC_LCS_FILE_NOT_EXIST`. */
  LICENSE_FILE_NOT_FOUND: 'LICENSE_FILE_NOT_FOUND',
  /** The license file is not valid JSON or lacks fields. */
  LICENSE_MALFORMED: 'LICENSE_MALFORMED',
  /** The signature does not verify with the configured public key (tampered or foreign). */
  LICENSE_BAD_SIGNATURE: 'LICENSE_BAD_SIGNATURE',
  LICENSE_EXPIRED: 'LICENSE_EXPIRED',
  /** The license was issued to another device ID. */
  LICENSE_OTHER_DEVICE: 'LICENSE_OTHER_DEVICE',
  /** License server: the product key is not known. */
  LICENSE_UNKNOWN_KEY: 'LICENSE_UNKNOWN_KEY',
  /** License server: every seat of the product key is bound to a device. */
  LICENSE_NO_SEATS: 'LICENSE_NO_SEATS',
  /** License server could not be reached or answered garbage. */
  LICENSE_SERVER_UNREACHABLE: 'LICENSE_SERVER_UNREACHABLE',
  /** The action needs a license mode this node does not run (e.g. server actions on a client). */
  LICENSE_WRONG_MODE: 'LICENSE_WRONG_MODE',

  // profile (guide §2.3, §4.3, §5.1, §5.2)
  ACCOUNT_NOT_FOUND: 'ACCOUNT_NOT_FOUND',
  ACCOUNT_EXISTS: 'ACCOUNT_EXISTS',
  /** The account must be opened (`profile.open`, guide `Mtc_CliOpen`) first. */
  ACCOUNT_NOT_OPEN: 'ACCOUNT_NOT_OPEN',
  /** The account is open on another node (its home node). */
  ACCOUNT_OPEN_ELSEWHERE: 'ACCOUNT_OPEN_ELSEWHERE',
  /** A provisioning key that does not exist. */
  UNKNOWN_PARAMETER: 'UNKNOWN_PARAMETER',
  /** A provisioning value of the wrong type or out of range. */
  INVALID_PARAMETER: 'INVALID_PARAMETER',
  CONTACT_NOT_FOUND: 'CONTACT_NOT_FOUND',
  /** A bounded collection (contacts, …) is full. */
  LIMIT_REACHED: 'LIMIT_REACHED',

  // media (guide §4.3.1, §6.9)
  /** No media endpoint for this session on this node. */
  MEDIA_ENDPOINT_NOT_FOUND: 'MEDIA_ENDPOINT_NOT_FOUND',
  /** The session already has a media endpoint. */
  MEDIA_ENDPOINT_EXISTS: 'MEDIA_ENDPOINT_EXISTS',
  /** No free RTP port in the configured range. */
  MEDIA_NO_PORTS: 'MEDIA_NO_PORTS',
  /** No mediasoup worker is running (all died and are restarting, or the service stops). */
  MEDIA_WORKER_UNAVAILABLE: 'MEDIA_WORKER_UNAVAILABLE',
  /** The action needs a negotiated stream (`media.endpoint.update` first), or one that allows it. */
  MEDIA_NOT_NEGOTIATED: 'MEDIA_NOT_NEGOTIATED',
  /** Tones, mixing and WAV work on G.711 only; the call uses another codec. */
  MEDIA_CODEC_NOT_G711: 'MEDIA_CODEC_NOT_G711',
  /** The negotiation asks for something this endpoint cannot do (codec, SRTP suite, …). */
  MEDIA_UNSUPPORTED: 'MEDIA_UNSUPPORTED',
  /** A WAV file that cannot be read or is not 8 kHz mono G.711/PCM16. */
  MEDIA_FILE_UNREADABLE: 'MEDIA_FILE_UNREADABLE',
  /** An audio device name or index that does not exist. */
  MEDIA_DEVICE_NOT_FOUND: 'MEDIA_DEVICE_NOT_FOUND',
  /** No local mix with this id. */
  MEDIA_MIX_NOT_FOUND: 'MEDIA_MIX_NOT_FOUND',

  // session (guide chapter 6)
  /** No call with this session id (never existed, or ended and forgotten). */
  SESSION_NOT_FOUND: 'SESSION_NOT_FOUND',
  /** The call has ended (guide §6.2.5: later actions on it change nothing). */
  SESSION_ENDED: 'SESSION_ENDED',
  /** The action does not fit the call's state (e.g. answer an outgoing call, hold while ringing). */
  SESSION_WRONG_STATE: 'SESSION_WRONG_STATE',
  /** A hold, unhold, update or transfer is still pending (guide §6.6). */
  SESSION_BUSY: 'SESSION_BUSY',
  /** The account has reached its maxCalls (guide §6.4.2). */
  SESSION_LIMIT: 'SESSION_LIMIT',
  /** The account is not logged in (guide §6.2.1 step 1): no calls or messages. */
  ACCOUNT_NOT_LOGGED_IN: 'ACCOUNT_NOT_LOGGED_IN',
  /** A URI or dial string that is not a SIP/tel URI (guide §6.11). */
  INVALID_URI: 'INVALID_URI',
  /** The SIP peer refused or did not answer; data.sipStatus says how. */
  SIP_FAILED: 'SIP_FAILED',

  // registrar-client (guide §4.2, §5.3)
  /** `registrar-client.start` has not run for the account (guide §5.3.2 step 2: start before login). */
  ACCOUNT_NOT_STARTED: 'ACCOUNT_NOT_STARTED',
  /** Login while the account is already logged in or logging in. */
  ALREADY_LOGGED_IN: 'ALREADY_LOGGED_IN',
  /** Login while a logout is still waiting for the registrar's answer. */
  LOGOUT_IN_PROGRESS: 'LOGOUT_IN_PROGRESS',
  /** Server-mode provisioning lacks what a REGISTER needs (sipUser, domain) or has a bad value. */
  ACCOUNT_NOT_CONFIGURED: 'ACCOUNT_NOT_CONFIGURED',
  /** The account's localIp is not an address of this host. */
  SIP_ADDRESS_NOT_LOCAL: 'SIP_ADDRESS_NOT_LOCAL',
  /** The account's (or the node's) SIP port is taken. */
  SIP_PORT_IN_USE: 'SIP_PORT_IN_USE',
  /** The account's home node is not reachable from here. */
  HOME_NODE_UNAVAILABLE: 'HOME_NODE_UNAVAILABLE',

  // recorder (guide chapter 7, table 7-1)
  /** No media endpoint for the session the recording names. */
  RECORDER_SESSION_NOT_FOUND: 'RECORDER_SESSION_NOT_FOUND',
  /** A video recording or snapshot of a call without negotiated video. */
  RECORDER_NO_VIDEO: 'RECORDER_NO_VIDEO',
  /** The recording's file cannot be created (folder not writable, a directory in the way). */
  RECORDER_PATH_NOT_WRITABLE: 'RECORDER_PATH_NOT_WRITABLE',
  /** A recording of this kind already runs for this call (or for the account's calls). */
  RECORDER_ALREADY_RECORDING: 'RECORDER_ALREADY_RECORDING',
  /** ffmpeg is missing, failed, or gave no frame in time (snapshot of a call sending no video). */
  RECORDER_ENCODER_FAILED: 'RECORDER_ENCODER_FAILED',

  // generic
  /** The storage layer failed; the message says why (locked, unreadable, …). */
  STORAGE_FAILED: 'STORAGE_FAILED',
  /** A path outside the account's data folder. */
  PATH_OUTSIDE_ACCOUNT: 'PATH_OUTSIDE_ACCOUNT',
  /** A file path outside the folders this node may write (its data directory). */
  PATH_NOT_ALLOWED: 'PATH_NOT_ALLOWED',
  /** The service is stopping and takes no new work. */
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The HTTP-like status each code carries in Moleculer's numeric `code` field. */
const statusOf: Record<ErrorCode, number> = {
  NEED_ACTIVATION: 403,
  LICENSE_FILE_NOT_FOUND: 404,
  LICENSE_MALFORMED: 422,
  LICENSE_BAD_SIGNATURE: 403,
  LICENSE_EXPIRED: 403,
  LICENSE_OTHER_DEVICE: 403,
  LICENSE_UNKNOWN_KEY: 404,
  LICENSE_NO_SEATS: 409,
  LICENSE_SERVER_UNREACHABLE: 503,
  LICENSE_WRONG_MODE: 409,
  ACCOUNT_NOT_FOUND: 404,
  ACCOUNT_EXISTS: 409,
  ACCOUNT_NOT_OPEN: 409,
  ACCOUNT_OPEN_ELSEWHERE: 409,
  UNKNOWN_PARAMETER: 422,
  INVALID_PARAMETER: 422,
  CONTACT_NOT_FOUND: 404,
  LIMIT_REACHED: 409,
  MEDIA_ENDPOINT_NOT_FOUND: 404,
  MEDIA_ENDPOINT_EXISTS: 409,
  MEDIA_NO_PORTS: 503,
  MEDIA_WORKER_UNAVAILABLE: 503,
  MEDIA_NOT_NEGOTIATED: 409,
  MEDIA_CODEC_NOT_G711: 422,
  MEDIA_UNSUPPORTED: 422,
  MEDIA_FILE_UNREADABLE: 422,
  MEDIA_DEVICE_NOT_FOUND: 404,
  MEDIA_MIX_NOT_FOUND: 404,
  SESSION_NOT_FOUND: 404,
  SESSION_ENDED: 410,
  SESSION_WRONG_STATE: 409,
  SESSION_BUSY: 409,
  SESSION_LIMIT: 429,
  ACCOUNT_NOT_LOGGED_IN: 409,
  INVALID_URI: 422,
  SIP_FAILED: 502,
  ACCOUNT_NOT_STARTED: 409,
  ALREADY_LOGGED_IN: 409,
  LOGOUT_IN_PROGRESS: 409,
  ACCOUNT_NOT_CONFIGURED: 422,
  SIP_ADDRESS_NOT_LOCAL: 422,
  SIP_PORT_IN_USE: 409,
  HOME_NODE_UNAVAILABLE: 503,
  RECORDER_SESSION_NOT_FOUND: 404,
  RECORDER_NO_VIDEO: 409,
  RECORDER_PATH_NOT_WRITABLE: 403,
  RECORDER_ALREADY_RECORDING: 409,
  RECORDER_ENCODER_FAILED: 502,
  STORAGE_FAILED: 500,
  PATH_OUTSIDE_ACCOUNT: 403,
  PATH_NOT_ALLOWED: 403,
  SHUTTING_DOWN: 503,
  INTERNAL: 500,
};

/** Extra data an error carries; never secrets. */
export type ErrorData = Record<string, unknown>;

/**
 * The error every talkbus service throws. It extends Moleculer's error so it crosses the broker
 * (code → `type`, status → numeric `code`) and is rebuilt as a `TalkbusError` on the caller's
 * side by the runtime's regenerator.
 */
export class TalkbusError extends Moleculer.Errors.MoleculerError {
  override name = 'TalkbusError';

  constructor(code: ErrorCode, message: string, data: ErrorData = {}, options?: { cause?: unknown }) {
    super(message, statusOf[code] ?? 500, code, data);
    if (options?.cause !== undefined) (this as Error).cause = options.cause;
  }

  /** The readable error code (same as Moleculer's `type`). */
  get errorCode(): ErrorCode {
    return this.type as ErrorCode;
  }

  /** Whether `err` is a talkbus error with this code, whichever side of the broker made it. */
  static is(err: unknown, code?: ErrorCode): err is TalkbusError {
    if (!err || typeof err !== 'object') return false;
    const e = err as { name?: string; type?: string };
    return e.name === 'TalkbusError' && (code === undefined || e.type === code);
  }
}

/** Whether `code` is one of the known error codes. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(statusOf, code);
}
