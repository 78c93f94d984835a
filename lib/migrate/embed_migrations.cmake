# Run as a script (cmake -DDIR=... -DOUTPUT=... -P embed_migrations.cmake) at build time: writes
# OUTPUT, a C++ source defining sqlcron::migrate::embedded_state_migrations() (declared in
# embedded_migrations.hpp) with the name and exact bytes of every DIR/*.sql, in name order. The
# bytes are written as numbers, so the checksum of each file is the one it has on disk.
file(GLOB names LIST_DIRECTORIES false RELATIVE "${DIR}" "${DIR}/*.sql")
list(SORT names)
set(arrays "")
set(entries "")
set(i 0)
string(REPEAT "[0-9a-f]" 32 line)
foreach(name IN LISTS names)
  file(READ "${DIR}/${name}" hex HEX)
  string(LENGTH "${hex}" digits)
  math(EXPR size "${digits} / 2")
  # 16 bytes a line.
  string(REGEX REPLACE "(${line})" "\\1\n    " hex "${hex}")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND arrays
         "// ${name}\nconstexpr std::array<unsigned char, ${size}> kFile${i}{\n    ${bytes}};\n\n")
  string(APPEND entries "      {\"${name}\", text(kFile${i})},\n")
  math(EXPR i "${i} + 1")
endforeach()

set(source "// Generated from ${DIR} by embed_migrations.cmake: do not edit.
#include \"migrate/embedded_migrations.hpp\"

#include <array>

namespace sqlcron::migrate {

namespace {

${arrays}template <std::size_t N>
std::string text(const std::array<unsigned char, N>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), N};
}

}  // namespace

std::vector<MigrationFile> embedded_state_migrations() {
  return {
${entries}  };
}

}  // namespace sqlcron::migrate
")
# Unchanged text leaves the file (and its object) alone.
file(WRITE "${OUTPUT}.tmp" "${source}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
