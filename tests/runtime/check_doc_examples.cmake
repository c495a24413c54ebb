# SPDX-License-Identifier: MIT
# Checks that docs/runtime-api.md quotes examples/runtime/example.{c,cpp}
# verbatim, between <!-- BEGIN path --> and <!-- END path --> markers.
# Usage: cmake -DROOT=<source dir> -P check_doc_examples.cmake
file(READ "${ROOT}/docs/runtime-api.md" doc)
foreach(pair "examples/runtime/example.c|c" "examples/runtime/example.cpp|cpp")
  string(REPLACE "|" ";" parts "${pair}")
  list(GET parts 0 path)
  list(GET parts 1 lang)
  set(begin_marker "<!-- BEGIN ${path} -->")
  set(end_marker "<!-- END ${path} -->")
  string(FIND "${doc}" "${begin_marker}" b)
  string(FIND "${doc}" "${end_marker}" e)
  if(b LESS 0 OR e LESS 0)
    message(FATAL_ERROR "docs/runtime-api.md: markers for ${path} missing")
  endif()
  string(LENGTH "${begin_marker}" blen)
  math(EXPR start "${b} + ${blen}")
  math(EXPR len "${e} - ${start}")
  string(SUBSTRING "${doc}" ${start} ${len} quoted)
  file(READ "${ROOT}/${path}" source)
  set(expected "\n```${lang}\n${source}```\n")
  if(NOT quoted STREQUAL expected)
    message(FATAL_ERROR "docs/runtime-api.md quotes an outdated ${path}; "
                        "copy the file between the markers again")
  endif()
endforeach()
message(STATUS "docs/runtime-api.md quotes both examples verbatim")
