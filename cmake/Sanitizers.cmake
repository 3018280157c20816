# FV_SANITIZE=address,undefined instruments everything we compile. Any
# UBSan report aborts the run (no recovery), so a report fails its test.
if(FV_SANITIZE)
  set(_fv_san -fsanitize=${FV_SANITIZE} -fno-omit-frame-pointer
      -fno-sanitize-recover=all)
  add_compile_options(${_fv_san})
  add_link_options(${_fv_san})
endif()
