#include "config/arg_template.hpp"

#include <catch2/catch.hpp>

using sqlcron::config::ArgTemplate;
using sqlcron::config::RunContext;

namespace {

RunContext context() {
  RunContext ctx;
  ctx.job = "nightly";
  ctx.scheduled_for = date::sys_days{date::year{2026} / 3 / 8} + std::chrono::hours{7};
  ctx.run_id = 42;
  ctx.attempt = 2;
  return ctx;
}

}  // namespace

TEST_CASE("a lone placeholder keeps its type", "[config]") {
  const auto ctx = context();
  CHECK(std::get<std::string>(ArgTemplate::text("{scheduled_for}").render(ctx)) ==
        "2026-03-08 07:00:00");
  CHECK(std::get<std::int64_t>(ArgTemplate::text("{run_id}").render(ctx)) == 42);
  CHECK(std::get<std::int64_t>(ArgTemplate::text("{attempt}").render(ctx)) == 2);
  CHECK(std::get<std::string>(ArgTemplate::text("{job}").render(ctx)) == "nightly");
  CHECK(std::holds_alternative<std::monostate>(ArgTemplate::text("{last_success}").render(ctx)));
  auto with_last = ctx;
  with_last.last_success = ctx.scheduled_for - std::chrono::hours{24};
  CHECK(std::get<std::string>(ArgTemplate::text("{last_success}").render(with_last)) ==
        "2026-03-07 07:00:00");
}

TEST_CASE("placeholders inside text are substituted, braces can be escaped", "[config]") {
  const auto ctx = context();
  CHECK(std::get<std::string>(ArgTemplate::text("run {run_id} of {job}").render(ctx)) ==
        "run 42 of nightly");
  CHECK(std::get<std::string>(ArgTemplate::text("{{literal}}").render(ctx)) == "{literal}");
  CHECK(std::get<std::string>(ArgTemplate::text("plain").render(ctx)) == "plain");
}

TEST_CASE("constants render as themselves", "[config]") {
  const auto ctx = context();
  CHECK(std::get<std::int64_t>(ArgTemplate::integer(180).render(ctx)) == 180);
  CHECK(std::get<double>(ArgTemplate::real(0.5).render(ctx)) == 0.5);
  CHECK(std::holds_alternative<std::monostate>(ArgTemplate::null().render(ctx)));
}

TEST_CASE("bad placeholders are rejected with the reason", "[config]") {
  CHECK_THROWS_WITH(ArgTemplate::text("{nope}"), Catch::Contains("unknown placeholder {nope}"));
  CHECK_THROWS_WITH(ArgTemplate::text("{job"), Catch::Contains("unclosed '{'"));
  CHECK_THROWS_WITH(ArgTemplate::text("job}"), Catch::Contains("unmatched '}'"));
  CHECK(ArgTemplate::text("{last_success}").uses_last_success());
  CHECK_FALSE(ArgTemplate::text("{run_id}").uses_last_success());
}
