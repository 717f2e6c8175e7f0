#include "daemon/startup.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "events/event.h"

namespace esan::daemon {

Result<RunMarker> RunMarker::claim(const std::string& state_dir) {
  RunMarker m;
  m.path = state_dir + "/esand.running";
  if (std::ifstream in(m.path); in) {
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    m.previous = text.empty() ? std::string("(empty marker)") : text;
  }
  int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::ofstream out(m.path, std::ios::trunc);
  out << fmt::format("pid {} started {}\n", getpid(), events::format_time(now));
  out.flush();
  if (!out) return make_error(Errc::kIo, fmt::format("{}: cannot write: {}", m.path, std::strerror(errno)));
  return m;
}

void RunMarker::release() const {
  if (!path.empty()) ::unlink(path.c_str());
}

namespace {
template <class T>
std::string names(const std::vector<T>& v) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ", ") + x.name;
  return out;
}
}  // namespace

StartupReport startup_report(const std::string& version, const std::string& host, const config::Config& cfg,
                             const std::optional<std::string>& unclean_marker) {
  StartupReport r;
  r.severity = unclean_marker ? events::Severity::kWarning : events::Severity::kInfo;
  r.message = fmt::format("esand {} started on {}: {} target(s){}{}{}, {} device(s){}{}{}", version, host,
                          cfg.targets.size(), cfg.targets.empty() ? "" : " (", names(cfg.targets),
                          cfg.targets.empty() ? "" : ")", cfg.devices.size(), cfg.devices.empty() ? "" : " (",
                          names(cfg.devices), cfg.devices.empty() ? "" : ")");
  if (unclean_marker) r.message += fmt::format("; the previous run did not stop cleanly ({})", *unclean_marker);
  r.fields = {{"version", version},
              {"host", host},
              {"targets", names(cfg.targets)},
              {"devices", names(cfg.devices)},
              {"unclean_shutdown", unclean_marker ? "yes" : "no"}};
  if (unclean_marker) r.fields.emplace_back("previous_run", *unclean_marker);
  return r;
}

}  // namespace esan::daemon
