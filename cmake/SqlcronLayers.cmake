# The layers of lib/ as build targets, so that a forbidden include does not compile.
#
# sqlcron_layer(<folder> [PUBLIC <folders>...] [PRIVATE <folders>...])
#   makes the static library sqlcron_<folder> from lib/<folder>/*.cpp. Its include root is a
#   directory of its own, build/layers/<folder>, holding one symlink <folder> ->
#   lib/<folder>; a target sees `#include "x/..."` only when it is x or links sqlcron_x (PUBLIC
#   links pass the folder on to dependents, PRIVATE ones do not). So `#include "mysql/..."` in
#   lib/core finds no file.
#
# sqlcron_forbid(<target> ASIO|CONNECTOR...)
#   puts a directory first on <target>'s own include path that shadows every Asio/Beast (ASIO) or
#   Connector/C++ (CONNECTOR) header with one that stops the build with #error. Those headers
#   live in /usr/include with everything else, so include roots alone cannot hide them.

# Both under the build tree; functions use them, so they are global properties, not variables
# of the directory that included this file.
set_property(GLOBAL PROPERTY SQLCRON_LAYER_ROOTS ${PROJECT_BINARY_DIR}/layers)
set_property(GLOBAL PROPERTY SQLCRON_POISON_ROOT ${PROJECT_BINARY_DIR}/forbidden-headers)

function(sqlcron_layer folder)
  cmake_parse_arguments(ARG "" "" "PUBLIC;PRIVATE" ${ARGN})
  set(target sqlcron_${folder})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  add_library(${target} STATIC ${sources})
  get_property(roots GLOBAL PROPERTY SQLCRON_LAYER_ROOTS)
  set(root ${roots}/${folder})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR} ${root}/${folder} SYMBOLIC)
  target_include_directories(${target} PUBLIC ${root})
  foreach(dep IN LISTS ARG_PUBLIC)
    target_link_libraries(${target} PUBLIC sqlcron_${dep})
  endforeach()
  foreach(dep IN LISTS ARG_PRIVATE)
    target_link_libraries(${target} PRIVATE sqlcron_${dep})
  endforeach()
endfunction()

# Writes one poisoned copy of each header below `base` matching `patterns` (relative paths kept).
function(_sqlcron_poison kind base message)
  get_property(poison GLOBAL PROPERTY SQLCRON_POISON_ROOT)
  if(NOT poison OR NOT base)
    message(FATAL_ERROR "sqlcron_forbid: no build directory or no header directory for ${kind}")
  endif()
  set(out ${poison}/${kind})
  set(stamp ${out}/.complete)
  if(EXISTS ${stamp})
    return()
  endif()
  file(GLOB_RECURSE headers LIST_DIRECTORIES false RELATIVE ${base} ${ARGN})
  foreach(header IN LISTS headers)
    file(WRITE ${out}/${header} "#error \"layer rule: ${message} (<${header}>)\"\n")
  endforeach()
  file(WRITE ${stamp} "")
endfunction()

function(sqlcron_forbid target)
  get_property(poison GLOBAL PROPERTY SQLCRON_POISON_ROOT)
  foreach(kind IN LISTS ARGN)
    if(kind STREQUAL "ASIO")
      set(base ${Boost_INCLUDE_DIRS})
      _sqlcron_poison(asio ${base} "only lib/exec, lib/http and lib/runtime may include Asio"
                      ${base}/boost/asio.hpp ${base}/boost/asio/* ${base}/boost/beast.hpp
                      ${base}/boost/beast/*)
      target_include_directories(${target} BEFORE PRIVATE ${poison}/asio)
    elseif(kind STREQUAL "CONNECTOR")
      set(base ${MYSQLCPPCONN_INCLUDE_DIR})
      _sqlcron_poison(connector ${base} "only lib/mysql may include Connector/C++"
                      ${base}/cppconn/* ${base}/mysql_driver.h ${base}/mysql_connection.h
                      ${base}/mysql_error.h)
      target_include_directories(${target} BEFORE PRIVATE ${poison}/connector)
    else()
      message(FATAL_ERROR "sqlcron_forbid: unknown kind ${kind}")
    endif()
  endforeach()
endfunction()
