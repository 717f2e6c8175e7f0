#include "mgmt/alerts_setup.h"

#include <fmt/format.h>

#include "common/crc32c.h"
#include "common/log.h"
#include "mgmt/write_back.h"

namespace esan::mgmt {

AlertsSetup::AlertsSetup(std::string path, std::string text, std::optional<alerts::AlertsConfig> cfg,
                         std::shared_ptr<events::EventLog> log, std::string host, bool save)
    : path_(std::move(path)),
      log_(std::move(log)),
      host_(std::move(host)),
      save_(save),
      text_(std::move(text)),
      cfg_(std::move(cfg)) {
  if (cfg_) {
    alerter_ = std::make_shared<alerts::Alerter>(*cfg_, log_, host_);
    alerter_->start();
  }
}

AlertsSetup::~AlertsSetup() { stop(); }

AlertsSetup::Current AlertsSetup::current() const {
  std::lock_guard lock(mu_);
  return Current{path_, text_, version_of(text_), cfg_};
}

std::string AlertsSetup::version_of(const std::string& text) {
  return fmt::format("{:08x}", crc32c(text.data(), text.size()));
}

std::shared_ptr<alerts::Alerter> AlertsSetup::alerter() const {
  std::lock_guard lock(mu_);
  return alerter_;
}

void AlertsSetup::stop() {
  std::shared_ptr<alerts::Alerter> a;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    a = alerter_;
  }
  if (a) a->stop();
}

Status AlertsSetup::replace(const std::string& text, const std::string& author,
                            const std::optional<std::string>& if_version) {
  std::lock_guard lock(mu_);
  if (if_version && *if_version != version_of(text_))
    return make_error(Errc::kBusy, fmt::format("the alert rules changed since version {} was read (now {}): read them "
                                               "again and make the change on what they are now",
                                               *if_version, version_of(text_)));
  auto cfg = alerts::parse_alerts(text, path_.empty() ? "alerts" : path_);
  if (!cfg) return std::unexpected(cfg.error());
  if (save_ && path_.empty())
    return make_error(Errc::kUnsupported, "esand knows no alert rules file to save the rules in (esand --alerts FILE)");
  if (stopped_) return make_error(Errc::kUnsupported, "esand is stopping");
  if (save_) {
    if (auto s = write_file_atomically(path_, text); !s) return std::unexpected(s.error());
  }
  if (alerter_) {
    alerter_->reconfigure(*cfg);
  } else {
    alerter_ = std::make_shared<alerts::Alerter>(*cfg, log_, host_);
    alerter_->start(log_->next_seq());  // earlier events had no rules to follow
  }
  text_ = text;
  cfg_ = *cfg;
  std::string msg =
      fmt::format("alert rules replaced by {}: {} sink(s), {} rule(s), {}", author, cfg->sinks.size(),
                  cfg->rules.size(), save_ ? "saved to " + path_ : std::string("not saved (esand --no-write-back)"));
  ESAN_LOG_INFO("{}", msg);
  log_->post(events::Kind::kAlertsChanged, events::Severity::kInfo, msg,
             {{"author", author},
              {"file", save_ ? path_ : std::string()},
              {"sinks", std::to_string(cfg->sinks.size())},
              {"rules", std::to_string(cfg->rules.size())}});
  return {};
}

}  // namespace esan::mgmt
