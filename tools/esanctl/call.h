// esanctl's model of a command line: the HTTP requests it stands for.
//
// Contract: translate() is a pure function of its arguments (no I/O, no
// environment, no clock): argv in, an Invocation (where to connect, how to
// print, the ordered list of API calls) or a usage error out. Errors are
// Errc::kInvalidArgument with a message naming the offending word; they map
// to exit status 2. Executing the calls (http.h) and printing the answers
// (render.h) are separate steps.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/http.h"
#include "common/result.h"

namespace esan::ctl {

// How a successful answer is printed for people (--json prints it as is).
enum class View {
  kDone,          // a change: print ApiCall::done
  kText,          // print the body verbatim (scst.conf text, metrics)
  kDeviceList,    // GET /v1/devices
  kDevice,        // GET /v1/devices/{d}
  kTargetList,    // GET /v1/targets
  kTarget,        // GET /v1/targets/{t}
  kAttributes,    // the "attributes" object of a device, target or driver
  kLunList,       // GET {luns}
  kGroupList,     // GET /v1/targets/{t}/groups
  kTargetGroups,  // GET /v1/targets: every target's groups (scstadmin -list_group)
  kAluaList,      // GET /v1/alua/device-groups
  kTgrpList,      // the same, target groups of ApiCall::scope only
  kSessionList,   // GET /v1/sessions
  kAliasList,     // GET /v1/aliases
  kCluster,       // GET /v1/cluster
  kStats,         // GET /v1/stats
  kVersion,       // GET /v1/version
  kState,         // GET .../target-groups/{tg}/state: the state word alone
  kHealth,        // GET /v1/health
  kHistory,       // GET /v1/config/history
  kEvents,        // GET /v1/events
  kAlerts,        // GET /v1/alerts
  kAlertTest,     // POST /v1/alerts/test
  kAlertConfig,   // GET /v1/alerts/config: the rules file's text
};

// esanctl support-bundle FILE: not one request but a collection of them and
// of local files, written as one archive (support_bundle.h; main.cc runs it).
struct BundleRequest {
  std::string file;         // the archive, absolute (made so against Context::cwd)
  bool force = false;       // replace FILE when it exists
  std::string log_file;     // --log-file: esand's log (its stderr redirected), else journalctl
  uint64_t log_lines = 5000;
  uint64_t revisions = 100;  // newest revisions whose text and diff go in (0 = all)

  bool operator==(const BundleRequest&) const = default;
};

struct ApiCall {
  std::string method;  // GET, POST, PUT, PATCH, DELETE
  std::string path;    // percent-encoded path with its query, e.g. /v1/devices/d0?force=1
  std::optional<nlohmann::json> body;
  View view = View::kDone;
  std::string filter;  // list views: show only the object of this name ("" = all)
  std::string scope;   // the enclosing object: the device group (kTgrpList), the target (kGroupList)
  std::string done;    // kDone: the line printed on success
  // When set, the body is {"text": <this file's contents>}, read just before
  // sending (scstadmin -config FILE, esanctl config apply FILE).
  std::string text_file;
  // GET /v1/events --follow: repeat the call as a long poll from the
  // answer's "next" until esand goes away (main.cc).
  bool follow = false;
  // Set: a support bundle instead of a request (method and path are empty).
  std::optional<BundleRequest> bundle;

  bool operator==(const ApiCall&) const = default;
};

// Where esand is (client/http.h): --socket, --url, --token-file.
using Connection = client::Connection;

struct Invocation {
  Connection conn;
  bool json = false;       // print the server's JSON instead of tables
  bool help = false;       // print help_text and exit 0
  std::string help_text;
  std::vector<ApiCall> calls;  // executed in order; the first failure stops
};

// What the caller knows about its surroundings (kept out of translate()).
struct Context {
  bool scstadmin = false;  // argv[0]'s basename is "scstadmin"
  std::string cwd = "/";   // relative paths sent to esand are made absolute
  std::string env_socket;  // $ESAN_SOCKET, the default for --socket when set
};

// args excludes argv[0].
Result<Invocation> translate(const std::vector<std::string>& args, const Context& ctx);

// The two spellings, used by translate(); args hold no connection options.
Result<std::vector<ApiCall>> translate_modern(const std::vector<std::string>& args, const Context& ctx);
Result<std::vector<ApiCall>> translate_scstadmin(const std::vector<std::string>& args,
                                                 const Context& ctx);

// Help texts (usage.cc); modern_commands() lists the modern commands' synopses.
std::string modern_usage();
std::string scstadmin_usage();
std::string modern_commands();

}  // namespace esan::ctl
