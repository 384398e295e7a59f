/**
 * @talkbus/rtp: what talkbus does with media in TypeScript, next to mediasoup — RTP/RTCP
 * packets and statistics, G.711, RFC 4733 telephone events, tones and their detection, a jitter
 * buffer, WAV files and a G.711 mixer. No I/O except the WAV file writer; no clocks (time is
 * passed in). See README.md.
 */
export { RtpArgumentError, RtpErrorCode, RtpParseError, WavErrorCode, WavFormatError } from './errors.ts';

export type { RtpHeaderExtension, RtpPacket, RtpPacketInit } from './rtp-packet.ts';
export {
  isRtcpPacket,
  parseRtpPacket,
  RTP_HEADER_LENGTH,
  rtpPacketLength,
  serializeRtpPacket,
  writeRtpPacket,
} from './rtp-packet.ts';

export type {
  RtcpGoodbye,
  RtcpOtherPacket,
  RtcpPacket,
  RtcpParseOptions,
  RtcpReceiverReport,
  RtcpReportBlock,
  RtcpSdesChunk,
  RtcpSdesItem,
  RtcpSenderReport,
  RtcpSourceDescription,
} from './rtcp.ts';
export { parseRtcpCompound, RtcpPacketType, SdesItemType, serializeRtcpCompound } from './rtcp.ts';

export type { NtpTimestamp } from './ntp-time.ts';
export { NTP_UNIX_OFFSET_SECONDS, ntpFromUnixMs, ntpMiddle32, unixMsFromNtp } from './ntp-time.ts';

export { isNewerSequence, RTP_SEQ_MOD, SequenceExtender, sequenceDelta } from './sequence-number.ts';
export type { RtpPacketStamp, RtpReceiverStatisticsOptions } from './receiver-statistics.ts';
export { RtpReceiverStatistics } from './receiver-statistics.ts';

export {
  ALAW_SILENCE,
  alawDecodeSample,
  alawEncodeSample,
  g711Decode,
  g711DecodeTable,
  g711Encode,
  g711EncodeTable,
  G711Law,
  g711PayloadType,
  g711SilenceCode,
  MULAW_SILENCE,
  mulawDecodeSample,
  mulawEncodeSample,
} from './g711.ts';

export type { DtmfKey } from './dtmf-keys.ts';
export {
  DTMF_COLUMN_FREQUENCIES,
  DTMF_KEYS,
  DTMF_ROW_FREQUENCIES,
  dtmfFrequencies,
  dtmfKeyAt,
  dtmfKeyOfEvent,
  isDtmfKey,
  TELEPHONE_EVENT_FLASH,
  telephoneEventCode,
} from './dtmf-keys.ts';

export type {
  ScheduledRtpPacket,
  TelephoneEvent,
  TelephoneEventPress,
  TelephoneEventSenderOptions,
} from './telephone-event.ts';
export {
  MAX_EVENT_DURATION,
  parseTelephoneEvent,
  serializeTelephoneEvent,
  TELEPHONE_EVENT_LENGTH,
  TelephoneEventSender,
} from './telephone-event.ts';
export type {
  TelephoneEventPacket,
  TelephoneEventReceiverOptions,
  TelephoneEventReport,
} from './telephone-event-receiver.ts';
export { TelephoneEventReceiver } from './telephone-event-receiver.ts';

export type { TonePlan, ToneSegment } from './tone-plans.ts';
export { tonePlan, ToneRegion, toneRegions, ToneType } from './tone-plans.ts';
export type { DtmfTonePlanOptions, TonePlayerOptions } from './tones.ts';
export { amplitudeFromDbm0, DBM0_PEAK_AMPLITUDE, dtmfTonePlan, TonePlayer } from './tones.ts';

export type { GoertzelOptions } from './goertzel.ts';
export {
  blockEnergy,
  blockRms,
  goertzelCoefficient,
  goertzelPower,
  goertzelPowerWith,
  toneAmplitude,
} from './goertzel.ts';
export type { DtmfDetectorOptions, DtmfDigit } from './dtmf-detector.ts';
export { detectDtmfKeys, DtmfDetector } from './dtmf-detector.ts';

export type {
  JitterBufferOptions,
  JitterBufferPacket,
  JitterBufferPushResult,
  JitterBufferStats,
  PlayoutFrame,
} from './jitter-buffer.ts';
export { JitterBuffer } from './jitter-buffer.ts';

export type { WavFile, WavHeaderLayout, WavInfo } from './wav.ts';
export {
  bytesPerSample,
  createWavHeader,
  encodeWav,
  encodeWavFromPcm,
  parseWav,
  pcm16ToBytes,
  WAVE_FORMAT_TAG,
  WavFormat,
  wavToPcm16,
} from './wav.ts';
export type { WavFileWriterOptions } from './wav-file-writer.ts';
export { WavFileWriter } from './wav-file-writer.ts';

export type { G711MixerOptions } from './mixer.ts';
export { G711Mixer, mixG711 } from './mixer.ts';
