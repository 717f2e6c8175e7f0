// esan-tui's main screen as text: what it shows, from which API answers.
//
// Contract:
//  * sample() makes the GET requests of one refresh (version, sessions,
//    stats, targets, ALUA device groups, the events from events_since on --
//    without events_since, the newest kRecentEvents; GET /v1/health only
//    when asked, as it probes every backend). Any failure is the Error of
//    that request (the server's message, or why esand could not be reached).
//    GET /v1/cluster (Pacemaker's view) is asked too, but its failure (an
//    esand without it, crm_mon hung) only leaves Sample::cluster unset.
//  * keep_recent() carries the newest kRecentEvents over from prev.
//  * dashboard() is a pure function of two samples (the previous one gives
//    rates: bytes/s, IOPS and the mean latency over the interval; without
//    it the rates are "-") and the width: lines no wider than width. When
//    Pacemaker runs (cluster "running"), a PACEMAKER section: the nodes and
//    their states, the master (promoted node) of each promotable clone, the
//    newest fencing events.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tui/api.h"

namespace esan::tui {

struct Sample {
  double time_s = 0;  // a monotonic clock, seconds
  nlohmann::json version, sessions, stats, targets, alua;
  std::optional<nlohmann::json> health;             // when asked for
  std::optional<nlohmann::json> cluster;            // GET /v1/cluster, when it answered
  nlohmann::json events = nlohmann::json::array();  // the newest, oldest first (keep_recent)
  uint64_t events_next = 0;                         // GET /v1/events' "next": ask from there
};

constexpr size_t kRecentEvents = 5;

Result<Sample> sample(Api& api, double time_s, bool with_health, std::optional<uint64_t> events_since);
void keep_recent(Sample& cur, const Sample* prev);

std::vector<std::string> dashboard(const Sample& cur, const Sample* prev, int width);

// Helpers shared with the views (view.h).
// Left-aligned columns, two spaces apart, each line cut to width.
std::vector<std::string> table(const std::vector<std::vector<std::string>>& rows, int width);
std::string human_bytes(double bytes);         // "0 B", "1.5 KiB", "12.0 MiB", ...
std::string human_duration(uint64_t seconds);  // "3d 04:05:06" / "04:05:06"

}  // namespace esan::tui
