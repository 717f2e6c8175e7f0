#include "tools/bench/options.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <vector>

namespace esan::bench {

std::string_view workload_name(Workload w) {
  switch (w) {
    case Workload::kRead: return "read";
    case Workload::kWrite: return "write";
    case Workload::kRandRead: return "randread";
    case Workload::kRandWrite: return "randwrite";
    case Workload::kRw70: return "rw70";
  }
  return "?";
}

namespace {

// Splits "123abc" into the number and its suffix.
bool split_number(std::string_view text, double* value, std::string_view* suffix) {
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, *value);
  if (ec != std::errc() || p == text.data()) return false;
  *suffix = std::string_view(p, size_t(end - p));
  return true;
}

}  // namespace

Result<uint64_t> parse_size(std::string_view text) {
  double v = 0;
  std::string_view suf;
  if (!split_number(text, &v, &suf) || v < 0)
    return make_error(Errc::kInvalidArgument, "not a size: '" + std::string(text) + "'");
  uint64_t mult = 1;
  if (suf.empty() || suf == "b") mult = 1;
  else if (suf == "k" || suf == "K") mult = 1ull << 10;
  else if (suf == "m" || suf == "M") mult = 1ull << 20;
  else if (suf == "g" || suf == "G") mult = 1ull << 30;
  else return make_error(Errc::kInvalidArgument, "unknown size suffix in '" + std::string(text) + "'");
  double bytes = v * double(mult);
  if (bytes != double(uint64_t(bytes)))
    return make_error(Errc::kInvalidArgument, "size is not a whole number of bytes: '" + std::string(text) + "'");
  return uint64_t(bytes);
}

Result<double> parse_duration(std::string_view text) {
  double v = 0;
  std::string_view suf;
  if (!split_number(text, &v, &suf) || v <= 0)
    return make_error(Errc::kInvalidArgument, "not a positive duration: '" + std::string(text) + "'");
  if (suf.empty() || suf == "s") return v;
  if (suf == "ms") return v / 1000;
  if (suf == "m") return v * 60;
  return make_error(Errc::kInvalidArgument, "unknown duration suffix in '" + std::string(text) + "'");
}

Result<Workload> parse_workload(std::string_view text) {
  for (Workload w : {Workload::kRead, Workload::kWrite, Workload::kRandRead, Workload::kRandWrite,
                     Workload::kRw70})
    if (workload_name(w) == text) return w;
  return make_error(Errc::kInvalidArgument,
                    "--rw must be read, write, randread, randwrite or rw70, not '" + std::string(text) + "'");
}

Result<Options> parse_options(int argc, const char* const* argv) {
  Options o;
  std::string rw = "randread", bs = "4k", time = "10s", range = "0";
  CLI::App app{"esan-bench - iSCSI load generator (libiscsi async API)"};
  app.add_option("url", o.url, "iscsi://[user%secret@]host[:port]/target/lun")->required();
  app.add_option("--rw", rw, "read|write|randread|randwrite|rw70 (70% reads)");
  app.add_option("--bs", bs, "block size per command (e.g. 4k, 1m)");
  app.add_option("--qd", o.queue_depth, "outstanding commands per session");
  app.add_option("--sessions", o.sessions, "iSCSI sessions (each with --qd commands)");
  app.add_option("--time", time, "run time (e.g. 10s, 500ms, 1m)");
  app.add_option("--range", range, "bytes of the LU to use from LBA 0 (0 = all)");
  app.add_option("--initiator", o.initiator, "initiator name of every session");
  app.add_flag("--json", o.json, "print the summary as JSON on stdout");
  app.add_flag("--verify", o.verify, "write a pattern over the range first, check every read");
  app.add_flag("--quiet", o.quiet, "no per-second progress lines");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return make_error(Errc::kNotFound, app.help());
  } catch (const CLI::ParseError& e) {
    return make_error(Errc::kInvalidArgument, e.what());
  }
  auto w = parse_workload(rw);
  if (!w) return std::unexpected(w.error());
  o.rw = *w;
  auto b = parse_size(bs);
  if (!b) return std::unexpected(b.error());
  if (*b == 0 || *b % 512 || *b > (16u << 20))
    return make_error(Errc::kInvalidArgument, "--bs must be a multiple of 512 between 512 and 16m");
  o.block_bytes = uint32_t(*b);
  auto t = parse_duration(time);
  if (!t) return std::unexpected(t.error());
  o.seconds = *t;
  auto r = parse_size(range);
  if (!r) return std::unexpected(r.error());
  o.range_bytes = *r;
  if (o.queue_depth < 1 || o.queue_depth > 1024)
    return make_error(Errc::kInvalidArgument, "--qd must be between 1 and 1024");
  if (o.sessions < 1 || o.sessions > 256)
    return make_error(Errc::kInvalidArgument, "--sessions must be between 1 and 256");
  if (o.url.rfind("iscsi://", 0) != 0)
    return make_error(Errc::kInvalidArgument, "url must start with iscsi://");
  return o;
}

}  // namespace esan::bench
