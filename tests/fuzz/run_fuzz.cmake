# SPDX-License-Identifier: MIT
# Runs the model file fuzzer for SECONDS over a scratch copy of the seed
# corpus (ctest -L fuzz). Fails if libFuzzer reports a crash, a leak, a
# timeout or running out of memory; the reproducer (crash-*, leak-*,
# timeout-*, oom-*) is left in the working directory.
foreach(var FUZZER SEEDS WORK SECONDS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzz.cmake needs -D${var}=...")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
file(GLOB seeds ${SEEDS}/*)
file(COPY ${seeds} DESTINATION ${WORK})
get_filename_component(outdir ${WORK} DIRECTORY)
execute_process(
  COMMAND ${FUZZER} ${WORK} -max_total_time=${SECONDS} -rss_limit_mb=2048 -timeout=10
          -max_len=40000 -print_final_stats=1
  WORKING_DIRECTORY ${outdir}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the model file fuzzer failed (exit ${rc}); see its output above and "
                      "the reproducer in ${outdir}")
endif()
