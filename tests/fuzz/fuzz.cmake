# Schedule parser fuzz target. With clang: a libFuzzer binary (also run by hand, e.g.
# `schedule_parse_fuzz -max_total_time=60 CORPUS_DIR`); with any other compiler: the standalone
# driver, which replays a seed corpus plus N deterministic mutations. Either way CTest runs it for
# a fixed budget. The schedule sources are compiled into the target so that libFuzzer's coverage
# instrumentation covers them. Include from tests/CMakeLists.txt: include(fuzz/fuzz.cmake)
file(GLOB SQLCRON_SCHEDULE_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/lib/schedule/*.cpp)
add_executable(schedule_parse_fuzz ${CMAKE_CURRENT_LIST_DIR}/schedule_parse_fuzz.cpp
                                   ${SQLCRON_SCHEDULE_SOURCES})
target_include_directories(schedule_parse_fuzz PRIVATE ${PROJECT_SOURCE_DIR}/lib)
target_link_libraries(schedule_parse_fuzz PRIVATE date::date-tz)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  target_compile_options(schedule_parse_fuzz PRIVATE -fsanitize=fuzzer)
  target_link_options(schedule_parse_fuzz PRIVATE -fsanitize=fuzzer)
  add_test(NAME schedule_parse_fuzz COMMAND schedule_parse_fuzz -runs=200000 -seed=1 -max_len=256)
else()
  target_sources(schedule_parse_fuzz PRIVATE ${CMAKE_CURRENT_LIST_DIR}/standalone_fuzz_driver.cpp)
  add_test(NAME schedule_parse_fuzz COMMAND schedule_parse_fuzz 200000 1)
endif()
set_tests_properties(schedule_parse_fuzz PROPERTIES LABELS unit TIMEOUT 300)
