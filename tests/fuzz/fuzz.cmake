# Schedule parser fuzz target. With clang: a libFuzzer binary (run it by hand, e.g.
# `schedule_parse_fuzz -max_total_time=60`); with any other compiler: the standalone driver,
# which replays a seed corpus plus N deterministic mutations. Either way CTest runs it for a
# fixed budget. Include from tests/CMakeLists.txt: include(fuzz/fuzz.cmake)
add_executable(schedule_parse_fuzz ${CMAKE_CURRENT_LIST_DIR}/schedule_parse_fuzz.cpp)
target_link_libraries(schedule_parse_fuzz PRIVATE sqlcron)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  target_compile_options(schedule_parse_fuzz PRIVATE -fsanitize=fuzzer)
  target_link_options(schedule_parse_fuzz PRIVATE -fsanitize=fuzzer)
  add_test(NAME schedule_parse_fuzz COMMAND schedule_parse_fuzz -runs=200000 -seed=1)
else()
  target_sources(schedule_parse_fuzz PRIVATE ${CMAKE_CURRENT_LIST_DIR}/standalone_fuzz_driver.cpp)
  add_test(NAME schedule_parse_fuzz COMMAND schedule_parse_fuzz 200000 1)
endif()
set_tests_properties(schedule_parse_fuzz PROPERTIES LABELS unit TIMEOUT 300)
