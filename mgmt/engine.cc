// Engine; see engine.h.
#include "mgmt/engine.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "common/log.h"
#include "common/named.h"
#include "config/edit.h"
#include "events/event_log.h"
#include "mgmt/edits.h"
#include "mgmt/reconcile.h"
#include "mgmt/write_back.h"

namespace esan::mgmt {

namespace {

// The whole-configuration checks a config file gets.
Status validate(const config::Config& next) {
  if (auto s = config::check_config(next); !s) return s;
  auto again = config::parse_config(config::write_config(next), "resulting configuration");
  if (!again) return make_error(Errc::kInvalidArgument, again.error().message);
  if (!config::equivalent(*again, next))
    return make_error(Errc::kInternal, "the resulting configuration does not survive a write/read round trip");
  return ok();
}

// The file's text, or nullopt when it cannot be read.
std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return s.str();
}

}  // namespace

Engine::Engine(server::Server& server, config::Config running, EngineOptions opts)
    : server_(server),
      opts_(std::move(opts)),
      running_(std::move(running)),
      history_unavailable_{Errc::kUnsupported,
                           "there is no configuration history: write-back is off (--no-write-back)"} {
  running_.warnings.clear();
  if (!opts_.history || !opts_.write_back || opts_.config_path.empty()) return;
  std::string dir = history::ConfigHistory::dir_for(opts_.config_path);
  auto h = history::ConfigHistory::open(dir, std::filesystem::path(opts_.config_path).filename().string());
  if (!h) {
    ESAN_LOG_ERROR("{}; esand runs without it", h.error().message);
    history_unavailable_ = h.error();
    return;
  }
  history_ = std::move(*h);
  if (!opts_.history_push.empty()) history_->push_to(opts_.history_push);
  ESAN_LOG_INFO("configuration history in {}", dir);
  std::lock_guard lk(mu_);
  if (auto text = read_text(opts_.config_path))
    record_locked(*text, kDaemonAuthor, fmt::format("start with {}", opts_.config_path));
}

void Engine::record_locked(std::string_view text, std::string_view author, std::string_view what) {
  if (!history_) return;
  auto rev = history_->commit(text, author, what);
  if (!rev) {
    ESAN_LOG_ERROR("management: {}: applied, but not recorded in the history: {}", what, rev.error().message);
    history_error_ = rev.error().message;
    return;
  }
  history_error_.clear();
  ESAN_LOG_DEBUG("management: {}: history revision {} by {}", what, *rev, author);
}

Result<history::ConfigHistory*> Engine::history() {
  if (!history_) return std::unexpected(history_unavailable_);
  return history_.get();
}

std::string Engine::history_error() {
  std::lock_guard lk(mu_);
  return history_error_;
}

void Engine::push_history() {
  if (!history_) return;
  if (auto s = history_->push(); !s) ESAN_LOG_ERROR("{}", s.error().message);
}

Result<std::string> Engine::rollback(std::string_view author, std::string_view rev) {
  auto h = history();
  if (!h) return std::unexpected(h.error());
  auto id = (*h)->resolve(rev);
  if (!id) return std::unexpected(id.error());
  auto text = (*h)->show(*id);
  if (!text) return std::unexpected(text.error());
  std::string short_id = id->substr(0, 12);
  auto cfg = config::parse_config(*text, fmt::format("revision {}", short_id));
  if (!cfg) return std::unexpected(cfg.error());
  for (const auto& w : cfg->warnings) ESAN_LOG_WARN("{}", w);
  if (auto s = apply(author, std::move(*cfg), fmt::format("rollback to {}", short_id)); !s)
    return std::unexpected(s.error());
  return *id;
}

// Node-owned states are the config's: a live change (SET TARGET PORT GROUPS)
// is taken into it and written back with the next change. Cluster-owned
// states never are (config/model.h, esan_alua_owner).
void Engine::sync_alua_states_locked() { overlay_live_alua_states(running_, *server_.alua(), false); }

Status Engine::set_target_group_state(std::string_view author, std::string_view dg, std::string_view tg,
                                      std::string_view state) {
  bool cluster_owned;
  {
    std::lock_guard lk(mu_);
    const config::DeviceGroupConfig* g = find_named(running_.device_groups, dg);
    cluster_owned = g && g->cluster_owned;
  }
  if (cluster_owned) return server_.alua()->set_target_group_state(dg, tg, state);
  return change(author, fmt::format("set state of target group '{}' of device group '{}' to {}", tg, dg, state),
                [&](config::Config& c) { return edits::set_target_group_state(c, dg, tg, state); });
}

Status Engine::change(std::string_view author, std::string_view what,
                      const std::function<Status(config::Config&)>& edit) {
  std::lock_guard lk(mu_);
  sync_alua_states_locked();
  config::Config next = running_;
  if (auto s = edit(next); !s) return s;
  return apply_locked(std::move(next), author, what, opts_.write_back);
}

Status Engine::apply(std::string_view author, config::Config next, std::string_view what) {
  std::lock_guard lk(mu_);
  sync_alua_states_locked();
  return apply_locked(std::move(next), author, what, opts_.write_back);
}

Status Engine::apply_locked(config::Config next, std::string_view author, std::string_view what, bool write_back) {
  next.warnings.clear();
  if (auto s = validate(next); !s) return s;
  if (config::equivalent(next, running_)) {
    ESAN_LOG_INFO("management: {}: nothing changes", what);
    return ok();
  }
  auto edit = prepare(running_, next, server_.runtime());
  if (!edit) return std::unexpected(edit.error());
  auto removed = commit(running_, std::move(*edit), server_);
  if (!removed) return std::unexpected(removed.error());
  config::Config previous = std::move(running_);
  running_ = std::move(next);
  if (listener_) listener_(running_);
  std::optional<std::string> written;
  if (write_back && !opts_.config_path.empty()) {
    written = config::write_config(running_);
    if (auto s = write_file_atomically(opts_.config_path, *written); !s) {
      ESAN_LOG_ERROR("management: {}: {}; undoing the change", what, s.error().message);
      auto undo = prepare(running_, previous, server_.runtime(), *removed);
      auto undone = undo ? commit(running_, std::move(*undo), server_) : Result<LuPool>(std::unexpected(undo.error()));
      if (undone) {
        running_ = std::move(previous);
        if (listener_) listener_(running_);
      } else {
        ESAN_LOG_ERROR("management: undoing '{}' failed: {}", what, undone.error().message);
      }
      return s;
    }
  }
  ESAN_LOG_INFO("management: {} (by {})", what, author);
  // Not written back: the --config file itself was reloaded; it is recorded as it is.
  std::string rev;
  if (history_) {
    if (!written) written = read_text(opts_.config_path);
    if (written) record_locked(*written, author, what);
    if (history_error_.empty()) rev = history_->head().value_or("");
  }
  events::Fields fields{{"author", std::string(author)}, {"operation", std::string(what)}};
  if (!rev.empty()) fields.emplace_back("revision", rev);
  events::post(events::Kind::kConfigChanged, events::Severity::kInfo,
               fmt::format("configuration changed by {}: {}", author, what), std::move(fields));
  return ok();
}

Status Engine::reload(std::string_view author, const std::string& path) {
  const std::string& file = path.empty() ? opts_.config_path : path;
  if (file.empty()) return make_error(Errc::kInvalidArgument, "esand has no --config file to reload");
  auto cfg = config::load_config_file(file, false);
  if (!cfg) return std::unexpected(cfg.error());
  for (const auto& w : cfg->warnings) ESAN_LOG_WARN("{}", w);
  std::lock_guard lk(mu_);
  sync_alua_states_locked();
  // Reloading the file esand writes back to needs no write-back; another
  // file becomes the configuration and is written to --config.
  return apply_locked(std::move(*cfg), author, fmt::format("reload {}", file),
                      opts_.write_back && file != opts_.config_path);
}

Status Engine::apply_text(std::string_view author, std::string_view text) {
  auto cfg = config::parse_config(text, "request");
  if (!cfg) return std::unexpected(cfg.error());
  for (const auto& w : cfg->warnings) ESAN_LOG_WARN("{}", w);
  return apply(author, std::move(*cfg), "apply configuration text");
}

Status Engine::write(std::string_view author, const std::string& path) {
  const std::string& file = path.empty() ? opts_.config_path : path;
  if (file.empty()) return make_error(Errc::kInvalidArgument, "esand has no --config file to write");
  std::lock_guard lk(mu_);
  sync_alua_states_locked();
  std::string text = config::write_config(running_);
  if (auto s = write_file_atomically(file, text); !s) return s;
  // The --config file rewritten (after a hand edit, or live ALUA states taken in).
  if (file == opts_.config_path) record_locked(text, author, fmt::format("write {}", file));
  return ok();
}

server::Observation Engine::observe() {
  std::lock_guard lk(mu_);
  return server_.observe();
}

void Engine::set_change_listener(std::function<void(const config::Config&)> listener) {
  std::lock_guard lk(mu_);
  listener_ = std::move(listener);
  if (listener_) listener_(running_);
}

Snapshot Engine::snapshot() {
  std::lock_guard lk(mu_);
  sync_alua_states_locked();
  Snapshot s;
  s.config = running_;
  overlay_live_alua_states(s.config, *server_.alua(), true);
  for (const auto& [name, lu] : server_.runtime().devices) s.device_bytes[name] = lu->num_blocks() * lu->block_size();
  for (const auto& t : server_.runtime().targets) {
    s.rel_tgt_ids[t.name] = t.rel_tgt_id;
    s.target_sessions[t.name] = sessions_of(t.name);
  }
  return s;
}

std::string Engine::config_text() {
  std::lock_guard lk(mu_);
  sync_alua_states_locked();
  return config::write_config(running_);
}

size_t Engine::sessions_of(std::string_view target) const {
  size_t n = 0;
  for (const auto& s : server_.context().sessions.list())
    if (!s.discovery && s.target_name == target) ++n;
  return n;
}

}  // namespace esan::mgmt
