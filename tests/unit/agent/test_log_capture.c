/*
 * Unit tests for the PROCESS_COMMUNICATION splitter (agent/src/log/capture.c).
 *
 * The reference is supervisor 4.2.5 itself: the script at the end of this
 * file (run with /usr/bin/python3) drives the real POutputDispatcher over
 * the sample streams below, chunked every possible way in two, byte by byte
 * and in 32 pseudo-random ways, and records what it hands to the child log
 * ('L'), to the capture log ('C') and to notify() ('E'). The vectors hold a
 * 64-bit FNV-1a digest of that record, serialised as kind, decimal length,
 * ':' and the bytes. A digest of 0 marks a split that 4.2.5 gets wrong on
 * purpose-free grounds (inside an ANSI escape, see ansi.h); those splits are
 * checked against the unsplit stream instead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "log/capture.h"

/* cap_basic: 264 bytes, capture_maxbytes 1000, strip_ansi False */
/* whole: "L29:start <!--XSUPER not a token C14:first message\x0a""E14:first
 * message\x0a""L7:betweenE0:L1:<C33:second <!--XSUPERVISOR:BEG insideE33:second
 * <!--XSUPERVISOR:BEG insideL42:after end, then a tail long enough to
 * log\x0a""" */
static const uint64_t cap_basic_split[] = {
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0xf3a10555530c7bfaULL,
	0x8c12c2b2ad6c6e02ULL,
	0xf567fbc6f6e6c39aULL,
	0x5aa80c8f919d9e90ULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0xca3b2986fc2fb1e2ULL,
	0xedfbcbd0af7a4a3cULL,
	0x2711794e1714dd32ULL,
	0xd06851994789fd90ULL,
	0x40fd14f106cdcb60ULL,
	0x3c5a0b79813af362ULL,
	0xc7396ce0bbca930eULL,
	0x82e0acdaf8cb318bULL,
	0x4cfd54300fcff32dULL,
	0x167e344573faeb75ULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0xc1e8239b8ff8f1afULL,
	0xafedf94cd28f5118ULL,
	0x711dd32439219c96ULL,
	0xddb1ca4583bfe72dULL,
	0x91a144bfbf81ad4fULL,
	0x691e03750ec81719ULL,
	0x7d700622842cdcedULL,
	0x2bc7ba165dfbd2dfULL,
	0x31620c7fa6321e1fULL,
	0x9bb43b9f0f038276ULL,
	0x72eaa698b381d491ULL,
	0xd8b9254aa1a9acd0ULL,
	0xfae75a8413f1698eULL,
	0xdd83475aa21baa01ULL,
	0x2edb24faa7f67ab0ULL,
	0x9c351651d5e99511ULL,
	0x109a4d850cf55c71ULL,
	0x99088cce54bb848eULL,
};
static const uint64_t cap_basic_bytewise = 0x772dc25acfe23628ULL;
static const uint64_t cap_basic_lcg[] = {
	0xf3b481ca3ec17cdfULL,
	0x5ca3ecc105d1a630ULL,
	0x711dd32439219c96ULL,
	0x713f27fbdc0da3e3ULL,
	0x99088cce54bb848eULL,
	0x40fd14f106cdcb60ULL,
	0x99088cce54bb848eULL,
	0x99088cce54bb848eULL,
	0xfae75a8413f1698eULL,
	0xc1e8239b8ff8f1afULL,
	0xd8b9254aa1a9acd0ULL,
	0x7d700622842cdcedULL,
	0xc1e8239b8ff8f1afULL,
	0xd06851994789fd90ULL,
	0xe08b03b7da5fc11aULL,
	0x99088cce54bb848eULL,
	0xc74a8f140918dc2bULL,
	0x72eaa698b381d491ULL,
	0x827ad1c8dc2e90b1ULL,
	0x99088cce54bb848eULL,
	0x9ec6262ec78369f6ULL,
	0xc1e8239b8ff8f1afULL,
	0x99088cce54bb848eULL,
	0x58d50da30dc7a38bULL,
	0xca3b2986fc2fb1e2ULL,
	0x7d700622842cdcedULL,
	0x711dd32439219c96ULL,
	0xd8b9254aa1a9acd0ULL,
	0xca3b2986fc2fb1e2ULL,
	0x7d700622842cdcedULL,
	0xac0db8b50d2205d5ULL,
	0x99088cce54bb848eULL,
};
/* cap_bounded: 167 bytes, capture_maxbytes 10, strip_ansi False */
/* whole:
 * "L1:xC36:0123456789abcdefghijklmnopqrstuvwxyzE36:0123456789abcdefghijklmnopqrstuvwxyzL1:yC5:shortE5:shortL32:trailing
 * bytes after everything\x0a""" */
static const uint64_t cap_bounded_split[] = {
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0x0df86a311bf090c1ULL,
	0xab12f28e90245a3bULL,
	0xd829a23ed54911c2ULL,
	0x1f838c8de27a093eULL,
	0x976e419478f64385ULL,
	0x3311b89b47e87ceeULL,
	0x597ffd045aebd508ULL,
	0xcccd05f1d4e56a87ULL,
	0x991f3eed40698387ULL,
	0x761481a12f61e7bcULL,
	0xc589796b8238aaf6ULL,
	0xfdf04aadd93e5a0fULL,
	0xd5c0951d440de41fULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0x57fcce79c6473c3eULL,
	0x1fbf22b6d78b8d4eULL,
	0x9e568957f3efed21ULL,
	0xe0d08c0ed19b9afcULL,
	0xbd8f61c52bd2aeecULL,
	0x8e96878abf9e9c44ULL,
	0x36c4b46888de274aULL,
	0xfa83147623c6c2a3ULL,
};
static const uint64_t cap_bounded_bytewise = 0xa8099e6294566580ULL;
static const uint64_t cap_bounded_lcg[] = {
	0xab12f28e90245a3bULL,
	0xfa83147623c6c2a3ULL,
	0xd5c0951d440de41fULL,
	0xcccd05f1d4e56a87ULL,
	0x36c4b46888de274aULL,
	0xcccd05f1d4e56a87ULL,
	0x8e96878abf9e9c44ULL,
	0x1f838c8de27a093eULL,
	0xd5c0951d440de41fULL,
	0xc9df12406b10419fULL,
	0x3311b89b47e87ceeULL,
	0xe0d08c0ed19b9afcULL,
	0xfa83147623c6c2a3ULL,
	0xd5c0951d440de41fULL,
	0x04828128ee6932faULL,
	0x597ffd045aebd508ULL,
	0xfa83147623c6c2a3ULL,
	0x1f838c8de27a093eULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0xfa83147623c6c2a3ULL,
	0x15c320f89e865616ULL,
	0x761481a12f61e7bcULL,
	0xfa83147623c6c2a3ULL,
	0x991f3eed40698387ULL,
	0x0df86a311bf090c1ULL,
	0x991f3eed40698387ULL,
	0x9e568957f3efed21ULL,
	0xb857839096e5545eULL,
	0xfa83147623c6c2a3ULL,
	0x0df86a311bf090c1ULL,
	0xec51cd19caa34c8aULL,
};
/* cap_off: 79 bytes, capture_maxbytes 0, strip_ansi False */
/* whole: "L79:plain <!--XSUPERVISOR:BEGIN-->not captured<!--XSUPERVISOR:END-->
 * when disabled\x0a""" */
static const uint64_t cap_off_split[] = {
	0x5a4dbcd9cd3af6fcULL,
	0x977ca915087495c6ULL,
	0x591ed571cf899548ULL,
	0x08f28da7a9b83dd6ULL,
	0x293977ebb5b40e98ULL,
	0x209befabaa58dbc2ULL,
	0xaf860bc0a09c0738ULL,
	0x41c9c036103c4d52ULL,
	0x9de9f33c37088898ULL,
	0xa7adc847dc57094eULL,
	0xc71fa34775cd9edaULL,
	0x4a69df4a63430276ULL,
	0x46031e11f0c04a3eULL,
	0xa3fb02120c81b27eULL,
	0xe280f376ad6399c2ULL,
	0x946df17c86be3d9eULL,
	0xa47b95dc3c221802ULL,
	0x5da7d0d9638205e2ULL,
	0x6f3aa8aa22158822ULL,
	0x3a00def71a228a46ULL,
	0xe4e351f782c8bb66ULL,
	0x01d4af794e1a2fe0ULL,
	0x54964faa443d968eULL,
	0xfdafabeff3b28c94ULL,
	0x6dcfcbe3e9f801f6ULL,
	0xd08c7624a7eecc7cULL,
	0x9c55962f9af03626ULL,
	0x2926bd24054082a0ULL,
	0x7c4ed2f1064c38a6ULL,
	0xc2567baac48e3ba4ULL,
	0x4da67edd76e101d2ULL,
	0x05db1e4774173826ULL,
	0x665a25934a8a49f6ULL,
	0x8450f7c2c2c07adaULL,
	0xc56e67f7f11ee8a2ULL,
	0xf8e568f645544f2aULL,
	0xf3bc12515a88017aULL,
	0xed714fc7db2391faULL,
	0x0a5606eabb1b1f52ULL,
	0xdb82655c8600a83eULL,
	0x5255005d7bb2b726ULL,
	0x2899a9d92b1892b4ULL,
	0x640969cacfbff86eULL,
	0x9b56aeb7c8e50310ULL,
	0x138e6c04677e2c26ULL,
	0xd9106b90fa7c9278ULL,
	0x2c75453781a90fa2ULL,
	0x2687369a79ba1fdcULL,
	0x9840b1557e70954eULL,
	0x4f3a009af6816d6cULL,
	0x5d7068c6dda87bb6ULL,
	0xbfddee3be03d3b56ULL,
	0xf6028b0e73af0b8eULL,
	0x3c20a6aa30855606ULL,
	0x1f83552d9fb5cd8eULL,
	0x722064e14ef11abeULL,
	0xfff93ecd627141aaULL,
	0x7c20133cde9ab2b2ULL,
	0xda71c71aff04555aULL,
	0x5f54c2dc8434d05eULL,
	0xb9b0ceb9365ad12eULL,
	0xd4060236bcc62034ULL,
	0x902233b3fa26000eULL,
	0x9704ee22706e3328ULL,
	0x191b72f69e8138deULL,
	0x6e7c315f43af11a8ULL,
	0xedb790691532beeeULL,
	0x41aad7f39e02fa90ULL,
	0xd3083a4b3ace669aULL,
	0xcd98f7b560b6eddcULL,
	0xa8debca56b408564ULL,
	0x95e65fd5b133c7c2ULL,
	0xe14db2f84a7ec4beULL,
	0x080814389527dca2ULL,
	0x68bbce6108821c8eULL,
	0xc18bbfb08e29c7f8ULL,
	0x15d6c1ecc14083beULL,
	0xda127c41bea3490aULL,
	0xb15f203fdef08a1cULL,
	0x5a4dbcd9cd3af6fcULL,
};
static const uint64_t cap_off_bytewise = 0xecef378da81b6417ULL;
static const uint64_t cap_off_lcg[] = {
	0x11d060a107deafd2ULL,
	0x3817f049ab26f643ULL,
	0x8249c5fe503ff2f3ULL,
	0x44cb1863188771ddULL,
	0x5f05b5d5dc266c92ULL,
	0x173c3caa3dcebcf4ULL,
	0x3e65d185f4979a3dULL,
	0xb66c71557413a957ULL,
	0x904b24a8df9d333dULL,
	0xdf28fd5564f017cbULL,
	0xc0438de5a689d79aULL,
	0xb19c65842ed1aed3ULL,
	0xec22f853a5a29c34ULL,
	0x104434407deebdf3ULL,
	0x888047fbf79d68e9ULL,
	0xd78435318d9529c7ULL,
	0xcc4f604c09b47b70ULL,
	0x4d423cd9d41f1858ULL,
	0x2b31c527e728c938ULL,
	0xb51b0fd3013e8c21ULL,
	0xa6087ec1f59a99e3ULL,
	0x32b35357bd86fb30ULL,
	0xb84dbee41954ddf7ULL,
	0xaac4f3481c61f802ULL,
	0xce86e157596214dcULL,
	0x34287402ae5f150bULL,
	0x9644250e976b4a19ULL,
	0xb9796ca60174bc07ULL,
	0x0a52f6e44411e6e7ULL,
	0xa0c9a75e2c2b7e19ULL,
	0x04e14cb35bdffcf9ULL,
	0x7182f53635c5edacULL,
};
/* cap_ansi: 119 bytes, capture_maxbytes 1000, strip_ansi True */
/* whole: "L9:red text C8:bold msgE8:bold msgL30:green and a tail that is
 * long\x0a""" */
static const uint64_t cap_ansi_split[] = {
	0x3f95d8ddfe8dd663ULL,
	0x0000000000000000ULL,
	0x0000000000000000ULL,
	0x0000000000000000ULL,
	0x0000000000000000ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x0000000000000000ULL,
	0x0000000000000000ULL,
	0x0000000000000000ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x0000000000000000ULL,
	0x0000000000000000ULL,
	0x0000000000000000ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x0000000000000000ULL,
	0x0000000000000000ULL,
	0x0000000000000000ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x0000000000000000ULL,
	0x0000000000000000ULL,
	0x0000000000000000ULL,
	0x0000000000000000ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x0000000000000000ULL,
	0x0000000000000000ULL,
	0x0000000000000000ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0x3f95d8ddfe8dd663ULL,
	0xee8f819481695264ULL,
	0x085e77694a05666bULL,
	0x97dd5db11907a2a6ULL,
	0x8d3d545266bd1b61ULL,
	0x6c49a5fa241886e0ULL,
	0x077fc8501ee43cbfULL,
	0xe4ec9c7590cc3ceaULL,
	0x506e5753be1400b6ULL,
	0x0a952a6662f18a88ULL,
	0x5b7a6279ad8dc09bULL,
	0xdf921a8695abd9b6ULL,
	0x7da790b8bd76a748ULL,
	0xead03b79c675cfe9ULL,
	0x231524edc230b2d9ULL,
	0x3f95d8ddfe8dd663ULL,
};

/* The sample streams, as the generator's streams.json holds them. */
static const char cap_basic_text[] =
    "start <!--XSUPER not a token <!--XSUPERVISOR:BEGIN-->first message\n"
    "<!--XSUPERVISOR:END-->between<!--XSUPERVISOR:BEGIN--><!--XSUPERVISOR:"
    "END--><<!--XSUPERVISOR:BEGIN-->second <!--XSUPERVISOR:BEG inside<!--X"
    "SUPERVISOR:END-->after end, then a tail long enough to log\n";
static const char cap_bounded_text[] =
    "x<!--XSUPERVISOR:BEGIN-->0123456789abcdefghijklmnopqrstuvwxyz<!--XSUPE"
    "RVISOR:END-->y<!--XSUPERVISOR:BEGIN-->short<!--XSUPERVISOR:END-->trai"
    "ling bytes after everything\n";
static const char cap_off_text[] =
    "plain <!--XSUPERVISOR:BEGIN-->not captured<!--XSUPERVISOR:END--> when "
    "disabled\n";
static const char cap_ansi_text[] =
    "\x1b[31mred\x1b[0m text <!--XSUPERVISOR:BEGIN-->\x1b[1mbold\x1b[0m msg"
    "<!--XSUPERVISOR:END-->\x1b[32mgreen\x1b[0m and a tail that is long\n";

/* What one run of the splitter produced, in the generator's format. */
struct rec {
	struct fv_buf ser; /* every piece: kind, length, ':', bytes */
	struct fv_buf log; /* LOG bytes only */
	struct fv_buf evts; /* EVENT and ABANDONED pieces only */
};

static void
rec_init(struct rec *r)
{
	fv_buf_init(&r->ser, 1 << 20);
	fv_buf_init(&r->log, 1 << 20);
	fv_buf_init(&r->evts, 1 << 20);
}

static void
rec_fini(struct rec *r)
{
	fv_buf_fini(&r->ser);
	fv_buf_fini(&r->log);
	fv_buf_fini(&r->evts);
}

/* rec_on_piece is the capture_emit_fn of the tests. */
static void
rec_on_piece(void *arg, enum capture_kind kind, const char *p, size_t n)
{
	static const char kinds[] = "LCEA";
	struct rec *r = arg;

	assert_non_null(p);
	assert_int_equal(fv_buf_printf(&r->ser, "%c%zu:", kinds[kind], n), 0);
	assert_int_equal(fv_buf_append(&r->ser, p, n), 0);
	if (kind == CAPTURE_LOG) {
		assert_int_equal(fv_buf_append(&r->log, p, n), 0);
	} else if (kind == CAPTURE_EVENT || kind == CAPTURE_ABANDONED) {
		assert_int_equal(
		    fv_buf_printf(&r->evts, "%c%zu:", kinds[kind], n), 0);
		assert_int_equal(fv_buf_append(&r->evts, p, n), 0);
	}
}

static uint64_t
fnv1a(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * run_chunks feeds s in the given chunk sizes (summing to n) and, when
 * finish is set, ends the stream.
 */
static void
run_chunks(const char *s, size_t n, const size_t *chunks, size_t nchunks,
    size_t maxbytes, bool strip, bool finish, struct rec *r)
{
	struct capture c;
	size_t pos = 0;

	capture_init(&c, maxbytes, strip);
	for (size_t i = 0; i < nchunks; i++) {
		capture_feed(&c, s + pos, chunks[i], rec_on_piece, r);
		pos += chunks[i];
	}
	assert_int_equal(pos, n);
	if (finish) {
		capture_finish(&c, rec_on_piece, r);
	}
	capture_fini(&c);
}

/* split_digest is the digest of s fed as s[:k], s[k:] (empty ones left out). */
static uint64_t
split_digest(const char *s, size_t n, size_t k, size_t maxbytes, bool strip)
{
	size_t chunks[2], nc = 0;
	struct rec r;
	uint64_t h;

	if (k > 0) {
		chunks[nc++] = k;
	}
	if (n - k > 0) {
		chunks[nc++] = n - k;
	}
	rec_init(&r);
	run_chunks(s, n, chunks, nc, maxbytes, strip, false, &r);
	h = fnv1a(r.ser.data != NULL ? r.ser.data : "", r.ser.len);
	rec_fini(&r);
	return h;
}

/* The generator's LCG, so both sides chunk a stream the same way. */
static size_t
lcg_chunks(uint64_t seed, size_t n, size_t maxc, size_t *out)
{
	uint64_t x = seed;
	size_t left = n, nc = 0, c;

	while (left > 0) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		c = 1 + (size_t)((x >> 33) % maxc);
		c = c < left ? c : left;
		out[nc++] = c;
		left -= c;
	}
	return nc;
}

static void
check_splits(const char *s, size_t n, size_t maxbytes, bool strip,
    const uint64_t *want, size_t nwant)
{
	assert_int_equal(nwant, n + 1);
	for (size_t k = 0; k <= n; k++) {
		uint64_t got;

		if (want[k] == 0) {
			continue;
		}
		got = split_digest(s, n, k, maxbytes, strip);
		if (got != want[k]) {
			fail_msg("split at %zu of %zu: digest %016llx, want "
			         "%016llx",
			    k, n, (unsigned long long)got,
			    (unsigned long long)want[k]);
		}
	}
}

static void
check_chunkings(const char *s, size_t n, size_t maxbytes, uint64_t bytewise,
    const uint64_t *lcg, size_t nlcg)
{
	size_t *chunks = calloc(n, sizeof(*chunks));
	struct rec r;
	size_t nc;

	assert_non_null(chunks);
	for (size_t i = 0; i < n; i++) {
		chunks[i] = 1;
	}
	rec_init(&r);
	run_chunks(s, n, chunks, n, maxbytes, false, false, &r);
	assert_true(fnv1a(r.ser.data, r.ser.len) == bytewise);
	rec_fini(&r);
	for (size_t seed = 1; seed <= nlcg; seed++) {
		nc = lcg_chunks(seed, n, 40, chunks);
		rec_init(&r);
		run_chunks(s, n, chunks, nc, maxbytes, false, false, &r);
		if (fnv1a(r.ser.data, r.ser.len) != lcg[seed - 1]) {
			fail_msg("lcg chunking %zu differs from 4.2.5", seed);
		}
		rec_fini(&r);
	}
	free(chunks);
}

/* test_capture_whole spells out one reference result in full. */
static void
test_capture_whole(void **state)
{
	static const char want[] =
	    "L29:start <!--XSUPER not a token C14:first message\n"
	    "E14:first message\nL7:betweenE0:L1:<"
	    "C33:second <!--XSUPERVISOR:BEG insideE33:second "
	    "<!--XSUPERVISOR:BEG insideL42:after end, then a tail long enough "
	    "to log\n";
	size_t n = sizeof(cap_basic_text) - 1;
	struct rec r;

	(void)state;
	rec_init(&r);
	run_chunks(cap_basic_text, n, &n, 1, 1000, false, false, &r);
	assert_int_equal(r.ser.len, sizeof(want) - 1);
	assert_memory_equal(r.ser.data, want, sizeof(want) - 1);
	rec_fini(&r);
}

static void
test_capture_basic_vs_425(void **state)
{
	size_t n = sizeof(cap_basic_text) - 1;

	(void)state;
	check_splits(cap_basic_text, n, 1000, false, cap_basic_split,
	    sizeof(cap_basic_split) / sizeof(cap_basic_split[0]));
	check_chunkings(cap_basic_text, n, 1000, cap_basic_bytewise,
	    cap_basic_lcg, sizeof(cap_basic_lcg) / sizeof(cap_basic_lcg[0]));
}

static void
test_capture_bounded_vs_425(void **state)
{
	size_t n = sizeof(cap_bounded_text) - 1;

	(void)state;
	check_splits(cap_bounded_text, n, 10, false, cap_bounded_split,
	    sizeof(cap_bounded_split) / sizeof(cap_bounded_split[0]));
	check_chunkings(cap_bounded_text, n, 10, cap_bounded_bytewise,
	    cap_bounded_lcg,
	    sizeof(cap_bounded_lcg) / sizeof(cap_bounded_lcg[0]));
}

static void
test_capture_disabled_vs_425(void **state)
{
	size_t n = sizeof(cap_off_text) - 1;

	(void)state;
	check_splits(cap_off_text, n, 0, false, cap_off_split,
	    sizeof(cap_off_split) / sizeof(cap_off_split[0]));
	check_chunkings(cap_off_text, n, 0, cap_off_bytewise, cap_off_lcg,
	    sizeof(cap_off_lcg) / sizeof(cap_off_lcg[0]));
}

/*
 * test_capture_ansi_vs_425 compares with 4.2.5 wherever it strips right,
 * and elsewhere (a read cut inside an escape) checks that the log and the
 * events are what the unsplit stream gives.
 */
static void
test_capture_ansi_vs_425(void **state)
{
	size_t n = sizeof(cap_ansi_text) - 1;
	size_t nw = sizeof(cap_ansi_split) / sizeof(cap_ansi_split[0]);
	struct rec whole, r;

	(void)state;
	check_splits(cap_ansi_text, n, 1000, true, cap_ansi_split, nw);
	rec_init(&whole);
	run_chunks(cap_ansi_text, n, &n, 1, 1000, true, true, &whole);
	for (size_t k = 0; k <= n; k++) {
		size_t chunks[2] = { k, n - k };

		rec_init(&r);
		run_chunks(cap_ansi_text, n, chunks, 2, 1000, true, true, &r);
		if (r.log.len != whole.log.len ||
		    memcmp(r.log.data, whole.log.data, r.log.len) != 0 ||
		    r.evts.len != whole.evts.len ||
		    memcmp(r.evts.data, whole.evts.data, r.evts.len) != 0) {
			fail_msg("split at %zu: stripped output differs", k);
		}
		rec_fini(&r);
	}
	rec_fini(&whole);
}

/* test_capture_finish_tail: the short tail 4.2.5 loses is passed on. */
static void
test_capture_finish_tail(void **state)
{
	static const char s[] = "hi\n";
	struct capture c;
	struct rec r;

	(void)state;
	rec_init(&r);
	capture_init(&c, 100, false);
	capture_feed(&c, s, 3, rec_on_piece, &r);
	assert_int_equal(r.ser.len, 0); /* held, as 4.2.5 does */
	capture_feed(&c, "", 0, rec_on_piece, &r);
	assert_int_equal(r.ser.len, 0);
	capture_finish(&c, rec_on_piece, &r);
	assert_string_equal(r.ser.data, "L3:hi\n");
	capture_fini(&c);
	rec_fini(&r);
}

/* test_capture_finish_abandoned: an unterminated capture is handed back. */
static void
test_capture_finish_abandoned(void **state)
{
	static const char s[] = "a<!--XSUPERVISOR:BEGIN-->never ended, "
	                        "the child died here";
	struct capture c;
	struct rec r;

	(void)state;
	rec_init(&r);
	capture_init(&c, 100, false);
	capture_feed(&c, s, sizeof(s) - 1, rec_on_piece, &r);
	capture_finish(&c, rec_on_piece, &r);
	assert_string_equal(r.ser.data,
	    "L1:aC32:never ended, the child died hereA32:never ended, the "
	    "child died here");
	/* Back in normal mode afterwards. */
	fv_buf_reset(&r.ser);
	capture_feed(
	    &c, "plain text, longer than a token", 31, rec_on_piece, &r);
	assert_string_equal(r.ser.data, "L31:plain text, longer than a token");
	capture_fini(&c);
	rec_fini(&r);
}

/* test_capture_truncated: BoundIO's drops are counted. */
static void
test_capture_truncated(void **state)
{
	static const char s[] = "<!--XSUPERVISOR:BEGIN-->";
	struct capture c;
	struct rec r;

	(void)state;
	rec_init(&r);
	capture_init(&c, 8, false);
	capture_feed(&c, s, sizeof(s) - 1, rec_on_piece, &r);
	capture_feed(&c, "x", 1, rec_on_piece, &r); /* token is now complete */
	/* Each feed below is longer than END and ends in no token prefix. */
	capture_feed(&c, "123456789012345678901234", 24, rec_on_piece, &r);
	capture_feed(&c, "abcdefghijklmnopqrstuvwx", 24, rec_on_piece, &r);
	capture_feed(&c, "<!--XSUPERVISOR:END-->", 22, rec_on_piece, &r);
	capture_feed(&c, "", 0, rec_on_piece, &r);
	/*
	 * As 4.2.5 computes it: "x" is held and joins the next read, so the
	 * first piece is 25 bytes (empty buffer: nothing to drop, kept whole)
	 * and the second drops 24 from the front, leaving 1 + 24 bytes.
	 */
	assert_int_equal(c.truncated, 24);
	assert_int_equal(r.evts.len, 0);
	capture_feed(&c, " and the rest of it", 19, rec_on_piece, &r);
	assert_string_equal(r.evts.data, "E25:4abcdefghijklmnopqrstuvwx");
	capture_fini(&c);
	rec_fini(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_whole),
		cmocka_unit_test(test_capture_basic_vs_425),
		cmocka_unit_test(test_capture_bounded_vs_425),
		cmocka_unit_test(test_capture_disabled_vs_425),
		cmocka_unit_test(test_capture_ansi_vs_425),
		cmocka_unit_test(test_capture_finish_tail),
		cmocka_unit_test(test_capture_finish_abandoned),
		cmocka_unit_test(test_capture_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The generator, run as
 *   /usr/bin/python3 gen_capture.py "$(cat streams.json)"
 * with streams.json = [[name, text, capture_maxbytes, strip_ansi], ...]
 * holding the four streams above (texts as JSON strings):
 *
 * # Drives supervisor 4.2.5's real POutputDispatcher and prints FNV-1a 64
 * # digests of what it logs/captures/emits for many chunkings of a stream.
 * import sys
 * from supervisor import dispatchers, loggers, events
 *
 * class Rec(loggers.Handler):
 *     def __init__(self, out): loggers.Handler.__init__(self); self.out = out
 *     def emit(self, record): self.out.append((b'L', record.msg))
 *
 * class Opts:
 *     def __init__(self, strip): self.strip_ansi = strip; self.loglevel = 20;
 * self.logger = loggers.getLogger(20) def getLogger(self): return
 * loggers.getLogger() def readfd(self, fd): return self.chunks.pop(0)
 *
 * class Cfg:
 *     pass
 *
 * class Proc:
 *     pass
 *
 * def run(stream, chunks, maxbytes, strip=False):
 *     out = []
 *     cfg = Cfg(); cfg.name = 'p'; cfg.options = Opts(strip)
 *     cfg.stdout_logfile = None; cfg.stdout_logfile_maxbytes = 0
 *     cfg.stdout_logfile_backups = 0; cfg.stdout_syslog = False
 *     cfg.stdout_capture_maxbytes = maxbytes
 *     cfg.stdout_events_enabled = False; cfg.stderr_events_enabled = False
 *     p = Proc(); p.config = cfg; p.pid = 1; p.group = None
 *     ev = []
 *     dispatchers.notify = lambda e: out.append((b'E', e.data))
 *     d = dispatchers.POutputDispatcher(p,
 * events.ProcessCommunicationStdoutEvent, 3) d.normallog = loggers.getLogger();
 * d.normallog.addHandler(Rec(out)) d.childlog = d.normallog if d.capturelog is
 * not None: cap = d.capturelog orig = cap.log def caplog(level, msg, **kw):
 *             out.append((b'C', msg)); orig(level, msg, **kw)
 *         cap.log = caplog
 *     pos = 0
 *     cfg.options.chunks = []
 *     for c in chunks:
 *         cfg.options.chunks.append(stream[pos:pos + c]); pos += c
 *     assert pos == len(stream)
 *     for _ in chunks:
 *         d.handle_read_event()
 *     return out
 *
 * def ser(out):
 *     b = b''
 *     for k, data in out:
 *         b += k + str(len(data)).encode() + b':' + data
 *     return b
 *
 * def fnv(b):
 *     h = 0xcbf29ce484222325
 *     for c in b:
 *         h ^= c; h = (h * 0x100000001b3) & 0xffffffffffffffff
 *     return h
 *
 * CO, CC = "/" + "*", "*" + "/"
 * M64 = (1 << 64) - 1
 * def lcg_chunks(seed, n, maxc):
 *     x = seed; res = []; left = n
 *     while left:
 *         x = (x * 6364136223846793005 + 1442695040888963407) & M64
 *         c = 1 + (x >> 33) % maxc
 *         c = min(c, left); res.append(c); left -= c
 *     return res
 *
 * def cstr(b):
 *     s = ''
 *     for c in b:
 *         ch = chr(c)
 *         if ch == '"' or ch == '\\': s += '\\' + ch
 *         elif 32 <= c < 127: s += ch
 *         else: s += '\\x%02x""' % c
 *     return '"' + s + '"'
 *
 * if __name__ == '__main__':
 *     import json
 *     streams = json.loads(sys.argv[1])
 *     for name, text, maxbytes, strip in streams:
 *         stream = text.encode('latin1')
 *         n = len(stream)
 *         inside = set()
 *         i = stream.find(b'\x1b[')
 *         while i >= 0:
 *             j = i + 2
 *             while j < n and stream[j:j+1] not in
 * dispatchers.ANSI_TERMINATORS: j += 1 inside.update(range(i + 1, j + 1)) i =
 * stream.find(b'\x1b[', j) print(CO + ' %s: %d bytes, capture_maxbytes %d,
 * strip_ansi %s ' % (name, n, maxbytes, strip) + CC) whole = run(stream, [n],
 * maxbytes, strip) print(CO + ' whole: %s ' % cstr(ser(whole)) + CC)
 *         print('static const uint64_t %s_split[] = {' % name)
 *         for k in range(0, n + 1):
 *             ch = [c for c in (k, n - k) if c]
 *             h = 0 if k in inside else fnv(ser(run(stream, ch, maxbytes,
 * strip))) print('\t0x%016xULL,' % h) print('};') if strip: continue
 *         print('static const uint64_t %s_bytewise = 0x%016xULL;' % (name,
 * fnv(ser(run(stream, [1] * n, maxbytes))))) print('static const uint64_t
 * %s_lcg[] = {' % name) for seed in range(1, 33): print('\t0x%016xULL,' %
 * fnv(ser(run(stream, lcg_chunks(seed, n, 40), maxbytes)))) print('};')
 */
