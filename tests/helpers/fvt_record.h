/*
 * The record format shared by fvt-spew (writer) and fvt-verify (reader).
 *
 * A stream is a sequence of records; each is a fixed 32-byte header followed
 * by LEN payload bytes.  The header starts with an 8-byte magic that holds a
 * newline, a NUL and bytes that are not UTF-8, so every log that carries the
 * stream is binary.  A reader that lands anywhere (a rotated file starts in
 * the middle of a record) finds the next magic, checks the header CRC and
 * then the payload CRC, so the format synchronizes itself.
 *
 *   off size
 *     0    8  magic "\nFVT\0\xff\xc3\n"
 *     8    8  seq, little endian, from 0 per stream
 *    16    4  len (payload bytes, at most FVT_REC_MAXLEN)
 *    20    1  stream: 1 stdout, 2 stderr
 *    21    1  flags: FVT_REC_FINAL on the last record of a stream
 *    22    2  zero
 *    24    4  CRC-32 of the payload
 *    28    4  CRC-32 of bytes 0..27
 *
 * The payload is pseudo-random bytes derived from (seed, stream, seq).
 */
#ifndef FV_TESTS_HELPERS_FVT_RECORD_H
#define FV_TESTS_HELPERS_FVT_RECORD_H

#include <stdint.h>

#define FVT_REC_MAGIC     "\nFVT\0\xff\xc3\n"
#define FVT_REC_MAGIC_LEN 8
#define FVT_REC_HDR       32
#define FVT_REC_MAXLEN    (1024u * 1024u)
#define FVT_REC_FINAL     0x01
#define FVT_STREAM_STDOUT 1
#define FVT_STREAM_STDERR 2

static inline void
fvt_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static inline uint32_t
fvt_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline void
fvt_put64(unsigned char *p, uint64_t v)
{
	fvt_put32(p, (uint32_t)v);
	fvt_put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint64_t
fvt_get64(const unsigned char *p)
{
	return (uint64_t)fvt_get32(p) | (uint64_t)fvt_get32(p + 4) << 32;
}

#endif
