# Read by cpack before it packs (CPACK_PROJECT_CONFIG_FILE): packages must not carry -march=native code.
if(CPACK_SPARSESCOPE_NATIVE)
  message(FATAL_ERROR "This build uses -march=native and would only run on CPUs like this one; "
                      "configure the package build with -DSPARSESCOPE_NATIVE=OFF")
endif()
