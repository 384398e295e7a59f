// <srtp.h> for building mediasoup-worker (>= 3.13) against Debian 12's libsrtp 2.5.
//
// mediasoup >= 3.13 is written against libsrtp 3 (a 3.0 beta), whose API differs from
// 2.x in a few places. This header includes the real 2.x header and adds exactly the 3.x
// API that the worker uses (src/RTC/SrtpSession.cpp, include/RTC/SrtpSession.hpp,
// src/DepLibSRTP.cpp), implemented on top of 2.x:
//
//   3.x                                          2.x underneath
//   srtp_policy_t: opaque handle                 struct srtp_policy_t filled by hand
//   srtp_policy_create/destroy/set_ssrc/         fields of that struct,
//     set_profile/add_key/set_allow_repeat_tx/   srtp_crypto_policy_set_from_profile_for_rtp/rtcp
//     set_window_size
//   srtp_create(srtp_t*, srtp_policy_t)          srtp_create(srtp_t*, const struct srtp_policy_t*)
//   srtp_[un]protect[_rtcp](ctx, in, in_len,     in-place srtp_[un]protect[_rtcp](ctx, buf, int*)
//     out, size_t* out_len[, mki_index])         after copying in -> out
//   srtp_stream_remove                           srtp_remove_stream
//   srtp_err_status_buffer_small, _cryptex_err   (new status codes, values as in 3.x)
//
// The 3.x functions are C++ overloads with C++ linkage, distinguished from the 2.x C
// functions of the same name by their parameters; libsrtp2's ABI is untouched. MKI is
// not supported (mediasoup never uses it): asking for it is an error, not a silent no-op.
// A newer mediasoup that uses more of the 3.x API fails to compile here instead of
// misbehaving.

#ifndef TALKBUS_LIBSRTP3_ON_LIBSRTP2_H
#define TALKBUS_LIBSRTP3_ON_LIBSRTP2_H

#ifndef __cplusplus
#error "this libsrtp 3 compatibility header is C++ only (it relies on overloading)"
#endif

// libsrtp 3 uses the name srtp_policy_t for its opaque handle, while 2.x uses it for the
// policy struct itself. Rename the 2.x struct while its header is parsed: type names do
// not reach the ABI of C functions, so the library is called exactly as 2.x expects.
#define srtp_policy_t talkbus_srtp2_policy_t
#include <srtp2/srtp.h>
#undef srtp_policy_t

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

// Status codes that libsrtp 3 added (same values as in libsrtp 3). 2.x's enum has no
// fixed underlying type; its range (0..31) includes these values, so the casts are
// well defined.
inline constexpr srtp_err_status_t srtp_err_status_buffer_small = static_cast<srtp_err_status_t>(28);
inline constexpr srtp_err_status_t srtp_err_status_cryptex_err  = static_cast<srtp_err_status_t>(29);

struct talkbus_srtp3_policy
{
	talkbus_srtp2_policy_t policy;
	// 2.x reads the master key and salt from one buffer, key first.
	unsigned char keyAndSalt[SRTP_MAX_KEY_LEN];
	bool hasKey;
};

typedef talkbus_srtp3_policy* srtp_policy_t;

inline srtp_err_status_t srtp_policy_create(srtp_policy_t* policy)
{
	if (policy == nullptr)
		return srtp_err_status_bad_param;

	// Value-initialised: every 2.x field starts at zero/NULL (no MKI, no header
	// extension encryption, next == NULL, window_size 0 meaning the 2.x default).
	auto* created = new (std::nothrow) talkbus_srtp3_policy{};

	if (created == nullptr)
		return srtp_err_status_alloc_fail;

	created->policy.key = created->keyAndSalt;
	*policy             = created;

	return srtp_err_status_ok;
}

inline void srtp_policy_destroy(srtp_policy_t policy)
{
	delete policy;
}

inline srtp_err_status_t srtp_policy_set_ssrc(srtp_policy_t policy, srtp_ssrc_t ssrc)
{
	if (policy == nullptr)
		return srtp_err_status_bad_param;

	policy->policy.ssrc = ssrc;

	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_set_profile(srtp_policy_t policy, srtp_profile_t profile)
{
	if (policy == nullptr)
		return srtp_err_status_bad_param;

	srtp_err_status_t err = srtp_crypto_policy_set_from_profile_for_rtp(&policy->policy.rtp, profile);

	if (err != srtp_err_status_ok)
		return err;

	return srtp_crypto_policy_set_from_profile_for_rtcp(&policy->policy.rtcp, profile);
}

inline srtp_err_status_t srtp_policy_add_key(
  srtp_policy_t policy,
  const uint8_t* key,
  size_t keyLen,
  const uint8_t* salt,
  size_t saltLen,
  const uint8_t* mki,
  size_t mkiLen)
{
	(void)mki;

	if (policy == nullptr || key == nullptr || (salt == nullptr && saltLen != 0))
		return srtp_err_status_bad_param;

	// 2.x without MKI takes one key per policy.
	if (mkiLen != 0 || policy->hasKey)
		return srtp_err_status_bad_param;

	if (keyLen + saltLen > sizeof(policy->keyAndSalt))
		return srtp_err_status_bad_param;

	// 2.x's crypto policy carries the expected key+salt length: refuse a mismatch here
	// rather than let 2.x read past the given key material.
	const int expected = policy->policy.rtp.cipher_key_len;

	if (expected != 0 && static_cast<size_t>(expected) != keyLen + saltLen)
		return srtp_err_status_bad_param;

	std::memcpy(policy->keyAndSalt, key, keyLen);

	if (saltLen != 0)
		std::memcpy(policy->keyAndSalt + keyLen, salt, saltLen);

	policy->hasKey = true;

	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_set_allow_repeat_tx(srtp_policy_t policy, bool allow)
{
	if (policy == nullptr)
		return srtp_err_status_bad_param;

	policy->policy.allow_repeat_tx = allow ? 1 : 0;

	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_set_window_size(srtp_policy_t policy, size_t windowSize)
{
	// Same bounds as 2.x checks in srtp_create (replay window of 64 .. 2^15 - 1).
	if (policy == nullptr || windowSize < 64 || windowSize >= 0x8000)
		return srtp_err_status_bad_param;

	policy->policy.window_size = static_cast<unsigned long>(windowSize);

	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_create(srtp_t* session, srtp_policy_t policy)
{
	if (session == nullptr || policy == nullptr || !policy->hasKey)
		return srtp_err_status_bad_param;

	// 2.x copies the key material into the session, so the policy may go right after.
	return ::srtp_create(session, &policy->policy);
}

namespace talkbus_srtp3_detail
{
	// 2.x protects/unprotects in place and takes the length as int: copy the input to
	// the output buffer first, then run 2.x on the output buffer.
	template<typename Fn>
	inline srtp_err_status_t InPlace(
	  Fn fn, const uint8_t* in, size_t inLen, uint8_t* out, size_t* outLen, size_t growth)
	{
		if (in == nullptr || out == nullptr || outLen == nullptr || inLen > static_cast<size_t>(INT_MAX) - growth)
			return srtp_err_status_bad_param;

		if (*outLen < inLen + growth)
			return srtp_err_status_buffer_small;

		if (out != in)
			std::memmove(out, in, inLen);

		int len                     = static_cast<int>(inLen);
		const srtp_err_status_t err = fn(out, &len);

		if (err == srtp_err_status_ok)
			*outLen = static_cast<size_t>(len);

		return err;
	}
} // namespace talkbus_srtp3_detail

inline srtp_err_status_t srtp_protect(
  srtp_t ctx, const uint8_t* rtp, size_t rtpLen, uint8_t* srtp, size_t* srtpLen, size_t mkiIndex)
{
	if (mkiIndex != 0)
		return srtp_err_status_bad_param;

	return talkbus_srtp3_detail::InPlace(
	  [ctx](uint8_t* buf, int* len) { return ::srtp_protect(ctx, buf, len); },
	  rtp,
	  rtpLen,
	  srtp,
	  srtpLen,
	  SRTP_MAX_TRAILER_LEN);
}

inline srtp_err_status_t srtp_unprotect(
  srtp_t ctx, const uint8_t* srtp, size_t srtpLen, uint8_t* rtp, size_t* rtpLen)
{
	return talkbus_srtp3_detail::InPlace(
	  [ctx](uint8_t* buf, int* len) { return ::srtp_unprotect(ctx, buf, len); }, srtp, srtpLen, rtp, rtpLen, 0);
}

inline srtp_err_status_t srtp_protect_rtcp(
  srtp_t ctx, const uint8_t* rtcp, size_t rtcpLen, uint8_t* srtcp, size_t* srtcpLen, size_t mkiIndex)
{
	if (mkiIndex != 0)
		return srtp_err_status_bad_param;

	// SRTCP adds the 4-byte E flag + index on top of the trailer.
	return talkbus_srtp3_detail::InPlace(
	  [ctx](uint8_t* buf, int* len) { return ::srtp_protect_rtcp(ctx, buf, len); },
	  rtcp,
	  rtcpLen,
	  srtcp,
	  srtcpLen,
	  SRTP_MAX_TRAILER_LEN + 4);
}

inline srtp_err_status_t srtp_unprotect_rtcp(
  srtp_t ctx, const uint8_t* srtcp, size_t srtcpLen, uint8_t* rtcp, size_t* rtcpLen)
{
	return talkbus_srtp3_detail::InPlace(
	  [ctx](uint8_t* buf, int* len) { return ::srtp_unprotect_rtcp(ctx, buf, len); },
	  srtcp,
	  srtcpLen,
	  rtcp,
	  rtcpLen,
	  0);
}

inline srtp_err_status_t srtp_stream_remove(srtp_t session, uint32_t ssrc)
{
	return srtp_remove_stream(session, ssrc);
}

#endif
