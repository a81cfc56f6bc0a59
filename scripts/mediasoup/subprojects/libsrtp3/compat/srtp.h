/*
 * Chunfeng Live: libsrtp 3 API on top of Debian's libsrtp 2.5.
 *
 * mediasoup >= 3.16.6 calls libsrtp 3 (out-of-place protect with size_t lengths, two new error
 * codes, srtp_stream_remove). Debian 12 ships libsrtp 2.5, whose functions work in place with int
 * lengths. These inline C++ overloads give the worker the libsrtp 3 shapes and forward to 2.5.
 */
#ifndef CHUNFENG_COMPAT_SRTP_H
#define CHUNFENG_COMPAT_SRTP_H

#include <srtp2/srtp.h>

#ifdef __cplusplus
#include <cstddef>
#include <cstdint>
#include <cstring>

constexpr srtp_err_status_t srtp_err_status_buffer_small = static_cast<srtp_err_status_t>(28);
constexpr srtp_err_status_t srtp_err_status_cryptex_err  = static_cast<srtp_err_status_t>(29);

namespace chunfeng_srtp_compat
{
	// Copies `in` to `out` when they differ, after checking that `out` can hold the packet plus
	// the trailer libsrtp may append.
	inline srtp_err_status_t Prepare(
	  const uint8_t* in, size_t len, uint8_t* out, const size_t* outLen, size_t trailer)
	{
		if (*outLen < len + trailer)
			return srtp_err_status_buffer_small;
		if (out != in)
			std::memmove(out, in, len);
		return srtp_err_status_ok;
	}
} // namespace chunfeng_srtp_compat

inline srtp_err_status_t srtp_protect(
  srtp_t ctx, const uint8_t* in, size_t len, uint8_t* out, size_t* outLen, size_t mkiIndex)
{
	srtp_err_status_t status =
	  chunfeng_srtp_compat::Prepare(in, len, out, outLen, SRTP_MAX_TRAILER_LEN);
	if (status != srtp_err_status_ok)
		return status;
	int n = static_cast<int>(len);
	status = mkiIndex != 0
	           ? srtp_protect_mki(ctx, out, &n, 1, static_cast<unsigned int>(mkiIndex))
	           : srtp_protect(ctx, static_cast<void*>(out), &n);
	if (status == srtp_err_status_ok)
		*outLen = static_cast<size_t>(n);
	return status;
}

inline srtp_err_status_t srtp_protect_rtcp(
  srtp_t ctx, const uint8_t* in, size_t len, uint8_t* out, size_t* outLen, size_t mkiIndex)
{
	srtp_err_status_t status =
	  chunfeng_srtp_compat::Prepare(in, len, out, outLen, SRTP_MAX_TRAILER_LEN + 4);
	if (status != srtp_err_status_ok)
		return status;
	int n = static_cast<int>(len);
	status = mkiIndex != 0
	           ? srtp_protect_rtcp_mki(ctx, out, &n, 1, static_cast<unsigned int>(mkiIndex))
	           : srtp_protect_rtcp(ctx, static_cast<void*>(out), &n);
	if (status == srtp_err_status_ok)
		*outLen = static_cast<size_t>(n);
	return status;
}

inline srtp_err_status_t srtp_unprotect(
  srtp_t ctx, const uint8_t* in, size_t len, uint8_t* out, size_t* outLen)
{
	srtp_err_status_t status = chunfeng_srtp_compat::Prepare(in, len, out, outLen, 0);
	if (status != srtp_err_status_ok)
		return status;
	int n = static_cast<int>(len);
	status = srtp_unprotect(ctx, static_cast<void*>(out), &n);
	if (status == srtp_err_status_ok)
		*outLen = static_cast<size_t>(n);
	return status;
}

inline srtp_err_status_t srtp_unprotect_rtcp(
  srtp_t ctx, const uint8_t* in, size_t len, uint8_t* out, size_t* outLen)
{
	srtp_err_status_t status = chunfeng_srtp_compat::Prepare(in, len, out, outLen, 0);
	if (status != srtp_err_status_ok)
		return status;
	int n = static_cast<int>(len);
	status = srtp_unprotect_rtcp(ctx, static_cast<void*>(out), &n);
	if (status == srtp_err_status_ok)
		*outLen = static_cast<size_t>(n);
	return status;
}

inline srtp_err_status_t srtp_stream_remove(srtp_t session, uint32_t ssrc)
{
	return srtp_remove_stream(session, ssrc);
}
#endif /* __cplusplus */

#endif /* CHUNFENG_COMPAT_SRTP_H */
