#ifndef FV_TESTS_FUZZ_FUZZ_H
#define FV_TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/*
 * The libFuzzer entry point every harness under tests/fuzz defines. The same
 * object is linked either with libFuzzer (-fsanitize=fuzzer, FV_FUZZ=ON) or
 * with replay.c, whose main() feeds it every file of a corpus. A harness
 * reports a broken property with abort(); it returns 0 otherwise.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
