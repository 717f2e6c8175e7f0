#include "common/log.h"

#include <spdlog/sinks/stdout_sinks.h>

namespace esan::log {

bool init(std::string_view level) {
  auto logger = spdlog::stderr_logger_mt("esan");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ [%t] %v");
  spdlog::flush_on(spdlog::level::info);
  auto lvl = spdlog::level::from_str(std::string(level));
  bool known = !(lvl == spdlog::level::off && level != "off");
  spdlog::set_level(known ? lvl : spdlog::level::info);
  return known;
}

}  // namespace esan::log
