// Persistence of a logical unit's persistent reservation state (PrState).
//
// PrStore is what Reservations saves to after every PERSISTENT RESERVE OUT
// that changes the state and loads from when the LU is set up; tests use an
// in-memory store. FilePrStore keeps one text file per LU and replaces it
// atomically: write <path>.tmp, fsync, rename over <path>, fsync the
// directory -- a crash leaves either the old or the new file, never a mix.
//
// File format (version 1), one item per line, '#' lines are comments:
//
//   esan-pr 1
//   device <LU name>
//   generation <PRGENERATION, decimal>
//   aptpl <0|1>
//   reservation <type, decimal; 0 = none; scope is always LU_SCOPE>
//   registrant <key 0x16 hex digits> <relative target port id> <all_tg_pt 0|1> <holder 0|1> <TransportID>
//   ... (one registrant line per registration)
//   end
//
// <TransportID> is the initiator port as SCSI names it for iSCSI
// ("<iSCSI name>,i,0x<ISID>", or the name alone), so the file means the same
// to any process (e.g. two HA nodes sharing it): nothing in it is
// process-local. The "end" line makes a truncated file detectable. The file
// is written whatever APTPL is; whether it is honoured at start is the
// caller's decision (Reservations::load applies SPC's APTPL rule).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "scsi/pr_state.h"

namespace esan::scsi {

class PrStore {
 public:
  virtual ~PrStore() = default;
  virtual Status save(const PrState& st) = 0;
  // nullopt when nothing was stored yet; an error when what is stored is
  // unreadable or corrupt (the message names the file and the problem).
  virtual Result<std::optional<PrState>> load() = 0;
  virtual std::string describe() const = 0;
};

std::string format_pr_state(const PrState& st, std::string_view device);
// Parses format_pr_state's output; `device` must match the file's.
Result<PrState> parse_pr_state(std::string_view text, std::string_view device);

class FilePrStore final : public PrStore {
 public:
  FilePrStore(std::string path, std::string device) : path_(std::move(path)), device_(std::move(device)) {}
  Status save(const PrState& st) override;
  Result<std::optional<PrState>> load() override;
  std::string describe() const override { return path_; }

 private:
  std::string path_;
  std::string device_;
};

}  // namespace esan::scsi
