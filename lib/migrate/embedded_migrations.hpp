// The scheduler's own schema, migrations/sqlcron/*.sql, built into the binary (the build
// generates the definition from the files: embed_migrations.cmake), so `migrate` needs no file
// from the source tree or an installation. Names and bytes are the files' own: checksums
// recorded from the files are the same.
#pragma once

#include <vector>

#include "migrate/migrator.hpp"

namespace sqlcron::migrate {

// Every file, in name order.
std::vector<MigrationFile> embedded_state_migrations();

}  // namespace sqlcron::migrate
