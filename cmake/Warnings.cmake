# The warning set of STYLE.md, applied to our own targets only (generated
# protobuf-c code gets none of it).
set(FV_WARNINGS
  -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wmissing-declarations -Wold-style-definition -Wpointer-arith
  -Wwrite-strings -Wcast-qual -Wformat=2 -Wundef -Wvla
  -Wimplicit-fallthrough -Wno-unused-parameter -fno-common)

function(fv_target_warnings target)
  target_compile_options(${target} PRIVATE ${FV_WARNINGS})
  if(FV_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
