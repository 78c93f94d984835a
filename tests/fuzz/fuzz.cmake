# Schedule parser fuzz target. With clang: a libFuzzer binary (also run by hand, e.g.
# `schedule_parse_fuzz -max_total_time=60 CORPUS_DIR`) with the schedule sources compiled in so
# that coverage instrumentation reaches them; with any other compiler: the standalone driver,
# which replays a seed corpus plus N deterministic mutations, linked against the library. Either
# way CTest runs it for a fixed budget.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # lib/schedule and the lib/util it depends on.
  file(GLOB SQLCRON_SCHEDULE_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/lib/schedule/*.cpp
       ${PROJECT_SOURCE_DIR}/lib/util/*.cpp)
  add_executable(schedule_parse_fuzz ${CMAKE_CURRENT_LIST_DIR}/schedule_parse_fuzz.cpp
                                     ${SQLCRON_SCHEDULE_SOURCES})
  target_include_directories(schedule_parse_fuzz PRIVATE ${PROJECT_SOURCE_DIR}/lib)
  target_link_libraries(schedule_parse_fuzz PRIVATE date::date-tz fmt::fmt)
  target_compile_options(schedule_parse_fuzz PRIVATE -fsanitize=fuzzer)
  target_link_options(schedule_parse_fuzz PRIVATE -fsanitize=fuzzer)
  add_test(NAME schedule_parse_fuzz COMMAND schedule_parse_fuzz -runs=200000 -seed=1 -max_len=256)
else()
  add_executable(schedule_parse_fuzz ${CMAKE_CURRENT_LIST_DIR}/schedule_parse_fuzz.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/standalone_fuzz_driver.cpp)
  target_link_libraries(schedule_parse_fuzz PRIVATE sqlcron)
  add_test(NAME schedule_parse_fuzz COMMAND schedule_parse_fuzz 200000 1)
endif()
set_tests_properties(schedule_parse_fuzz PROPERTIES LABELS unit TIMEOUT 300)
