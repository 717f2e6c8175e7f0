// Parsing the scstadmin spelling against the operation table (scstadmin.h).
#include <algorithm>

#include "tools/esanctl/scstadmin.h"

namespace esan::ctl {

using scst::Arg;
using scst::Calls;
using scst::kFlags;
using scst::kOps;
using scst::kParams;
using scst::Op;
using scst::Opts;

Calls translate_scstadmin(const std::vector<std::string>& args, const Context& ctx) {
  Opts o;
  o.ctx = &ctx;
  const Op* op = nullptr;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() < 2 || a[0] != '-') return make_error(Errc::kInvalidArgument, "unexpected argument '" + a + "'");
    std::string name = a.substr(a.starts_with("--") ? 2 : 1), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) value = name.substr(eq + 1), name.resize(eq), has_value = true;
    auto next_value = [&]() -> bool {
      if (has_value) return true;
      if (i + 1 < args.size()) return value = args[++i], true;
      return false;
    };
    if (std::find(kFlags.begin(), kFlags.end(), name) != kFlags.end()) {
      if (has_value) return make_error(Errc::kInvalidArgument, "option -" + name + " takes no value");
      if (name == "force") o.force = true;
      continue;
    }
    if (std::find(kParams.begin(), kParams.end(), name) != kParams.end()) {
      if (!next_value()) return make_error(Errc::kInvalidArgument, "option -" + name + " needs a value");
      if (o.p.contains(name)) return make_error(Errc::kInvalidArgument, "option -" + name + " given twice");
      o.p[name] = value;
      continue;
    }
    const Op* found = nullptr;
    for (const auto& cand : kOps)
      if (cand.name == name) found = &cand;
    if (!found) return make_error(Errc::kInvalidArgument, "unknown option -" + name);
    if (op) return make_error(Errc::kInvalidArgument, "please specify only one operation at a time (-" + o.op + " and -" + name + ")");
    op = found;
    o.op = name;
    if (found->arg == Arg::kFlag && has_value) return make_error(Errc::kInvalidArgument, "option -" + name + " takes no value");
    if (found->arg == Arg::kValue && !next_value()) return make_error(Errc::kInvalidArgument, "option -" + name + " needs a value");
    if (found->arg == Arg::kOptional && !has_value && i + 1 < args.size() && !args[i + 1].starts_with("-")) value = args[++i];
    if (found->arg == Arg::kValue && value.empty()) return make_error(Errc::kInvalidArgument, "option -" + name + " needs a value");
    o.name = value;
  }
  if (!op) return make_error(Errc::kInvalidArgument, "no operation given (try -help)");
  if (!op->build) return make_error(Errc::kUnsupported, "-" + o.op + " is not supported by esan");
  return op->build(o);
}


}  // namespace esan::ctl
