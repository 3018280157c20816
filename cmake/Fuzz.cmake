# libFuzzer targets (STYLE 2.8). fv_fuzz_target(name source [libs...])
# builds, from one harness source that defines LLVMFuzzerTestOneInput:
#
#   fuzz_<name>_replay  always (gcc too): the harness plus replay.c, run by
#                       ctest "fuzz.<name>.replay" on every file of
#                       tests/fuzz/corpus/<name>, so a saved crash stays a
#                       test even where libFuzzer does not exist;
#   fuzz_<name>         with FV_FUZZ=ON (clang only): the libFuzzer binary,
#                       linked with -fsanitize=fuzzer,address,undefined.
#
# With FV_FUZZ=ON every target of the project is compiled with
# -fsanitize=fuzzer-no-link,address,undefined (coverage and ASan must cover
# the code under test, not only the harness), and each fuzzer is listed in
# <build>/fuzz-targets.tsv as "name<TAB>binary<TAB>corpus<TAB>dict<TAB>
# max_len" for deploy/quickstart/test.sh. A harness may come with
# tests/fuzz/<name>.dict; FV_FUZZ_MAX_LEN_<name> overrides the input cap.
#
# This file is included from tests/fuzz/CMakeLists.txt, after the libraries
# exist; the project-wide instrumentation is therefore deferred to the end
# of the top-level directory, when every target has been declared.

set(FV_FUZZ_DIR ${CMAKE_SOURCE_DIR}/tests/fuzz)
set(FV_FUZZ_MANIFEST ${CMAKE_BINARY_DIR}/fuzz-targets.tsv)
set(FV_FUZZ_DEFAULT_MAX_LEN 16384)

if(FV_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "FV_FUZZ=ON needs clang (libFuzzer); configure "
        "with -DCMAKE_C_COMPILER=clang")
  endif()
  include(CheckCSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS -fsanitize=fuzzer)
  check_c_source_compiles([[
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return d[0] + (int)n; }
]] FV_HAVE_LIBFUZZER)
  unset(CMAKE_REQUIRED_FLAGS)
  if(NOT FV_HAVE_LIBFUZZER)
    message(FATAL_ERROR "FV_FUZZ=ON: clang cannot link -fsanitize=fuzzer "
        "(Debian: apt-get install libclang-rt-14-dev)")
  endif()
endif()

# _fv_fuzz_targets_in(dir out) lists the build-system targets declared in
# dir and below.
function(_fv_fuzz_targets_in dir out)
  get_property(found DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub ${subdirs})
    _fv_fuzz_targets_in(${sub} more)
    list(APPEND found ${more})
  endforeach()
  set(${out} ${found} PARENT_SCOPE)
endfunction()

# _fv_fuzz_instrument_all compiles every C target with coverage and
# sanitizers (at -O1, as OSS-Fuzz does: about twice the speed of -O0), links every non-fuzzer executable with the sanitizer
# runtimes (the fuzzers get libFuzzer in fv_fuzz_target). It runs deferred,
# in the top-level scope: only literals and global state are visible.
function(_fv_fuzz_instrument_all)
  set(cflags -O1 -fsanitize=fuzzer-no-link,address,undefined
      -fno-omit-frame-pointer -fno-sanitize-recover=all)
  _fv_fuzz_targets_in(${CMAKE_SOURCE_DIR} all)
  foreach(t ${all})
    get_target_property(type ${t} TYPE)
    get_target_property(fuzzer ${t} FV_FUZZER)
    if(type MATCHES "^(STATIC|SHARED|MODULE|OBJECT)_LIBRARY$|^EXECUTABLE$")
      target_compile_options(${t} PRIVATE ${cflags})
    endif()
    if(type MATCHES "^(SHARED|MODULE)_LIBRARY$|^EXECUTABLE$" AND NOT fuzzer)
      target_link_options(${t} PRIVATE -fsanitize=address,undefined)
    endif()
  endforeach()
endfunction()

# Once per configure, however many directories include this file.
get_property(_fv_fuzz_once GLOBAL PROPERTY FV_FUZZ_SET_UP)
if(FV_FUZZ AND NOT _fv_fuzz_once)
  set_property(GLOBAL PROPERTY FV_FUZZ_SET_UP ON)
  file(WRITE ${FV_FUZZ_MANIFEST} "")
  cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR}
      CALL _fv_fuzz_instrument_all)
endif()

# fv_fuzz_target(name source [libs...]): see the top of this file. libs are
# what the harness links (a component's core library).
function(fv_fuzz_target name source)
  set(libs ${ARGN})
  set(corpus ${FV_FUZZ_DIR}/corpus/${name})
  set(dict ${FV_FUZZ_DIR}/${name}.dict)
  if(NOT EXISTS ${dict})
    set(dict "-")
  endif()
  if(DEFINED FV_FUZZ_MAX_LEN_${name})
    set(max_len ${FV_FUZZ_MAX_LEN_${name}})
  else()
    set(max_len ${FV_FUZZ_DEFAULT_MAX_LEN})
  endif()

  add_executable(fuzz_${name}_replay ${source} ${FV_FUZZ_DIR}/replay.c)
  target_include_directories(fuzz_${name}_replay PRIVATE ${FV_FUZZ_DIR})
  target_link_libraries(fuzz_${name}_replay PRIVATE ${libs})
  fv_target_warnings(fuzz_${name}_replay)
  add_test(NAME fuzz.${name}.replay
      COMMAND fuzz_${name}_replay ${corpus})
  set_tests_properties(fuzz.${name}.replay PROPERTIES
      LABELS fuzz TIMEOUT 120)

  if(FV_FUZZ)
    add_executable(fuzz_${name} ${source})
    target_include_directories(fuzz_${name} PRIVATE ${FV_FUZZ_DIR})
    target_link_libraries(fuzz_${name} PRIVATE ${libs})
    target_link_options(fuzz_${name} PRIVATE
        -fsanitize=fuzzer,address,undefined)
    set_target_properties(fuzz_${name} PROPERTIES FV_FUZZER ON)
    fv_target_warnings(fuzz_${name})
    file(APPEND ${FV_FUZZ_MANIFEST}
        "${name}\t${CMAKE_CURRENT_BINARY_DIR}/fuzz_${name}\t${corpus}\t${dict}\t${max_len}\n")
  endif()
endfunction()
