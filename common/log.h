// Logging: spdlog to stderr with levels. Use ESAN_LOG_* (fmt syntax) everywhere.
// Never log secrets (CHAP) or data payloads.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace esan::log {

// Sets up the stderr logger. `level` is trace|debug|info|warn|error.
// Returns false for an unknown level name (the logger is still usable).
bool init(std::string_view level);

}  // namespace esan::log

#define ESAN_LOG_TRACE(...) SPDLOG_TRACE(__VA_ARGS__)
#define ESAN_LOG_DEBUG(...) ::spdlog::debug(__VA_ARGS__)
#define ESAN_LOG_INFO(...) ::spdlog::info(__VA_ARGS__)
#define ESAN_LOG_WARN(...) ::spdlog::warn(__VA_ARGS__)
#define ESAN_LOG_ERROR(...) ::spdlog::error(__VA_ARGS__)
