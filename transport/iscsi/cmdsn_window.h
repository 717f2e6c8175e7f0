// CmdSnWindow: the session's command sequence-number window (RFC 7143
// §4.2.2.1), in serial-number arithmetic (RFC 1982).
//
// ExpCmdSN is the next CmdSN the target expects; MaxCmdSN the largest it
// will accept. A non-immediate command with CmdSN == ExpCmdSN is taken in
// order; one ahead of ExpCmdSN but within MaxCmdSN waits for the gap to
// fill; anything else is outside the window and is silently ignored.
// MaxCmdSN never moves backwards (initiators ignore a smaller value), and
// shrinks the advertised room as the session's tasks pile up.
#pragma once

#include <cstdint>

namespace esan::iscsi {

inline bool sn_lt(uint32_t a, uint32_t b) { return int32_t(a - b) < 0; }
inline bool sn_le(uint32_t a, uint32_t b) { return int32_t(a - b) <= 0; }

class CmdSnWindow {
 public:
  enum class Verdict { kInOrder, kAhead, kOutside };

  // Starts at the Login Request's CmdSN; room = the session's task limit.
  void reset(uint32_t first_cmdsn, uint32_t room) {
    exp_ = first_cmdsn;
    max_ = first_cmdsn + (room ? room - 1 : 0);
  }

  // Classifies a non-immediate command's CmdSN; kInOrder also advances
  // ExpCmdSN.
  Verdict accept(uint32_t cmdsn) {
    if (cmdsn == exp_ && sn_le(cmdsn, max_)) {  // not when the window is closed
      ++exp_;
      return Verdict::kInOrder;
    }
    if (sn_lt(exp_, cmdsn) && sn_le(cmdsn, max_)) return Verdict::kAhead;
    return Verdict::kOutside;
  }

  // Marks the next expected CmdSN as received (a queued command now runs,
  // or an aborted one is considered received).
  void advance() { ++exp_; }

  // True if `sn` lies in [ExpCmdSN, MaxCmdSN].
  bool in_window(uint32_t sn) const { return sn_le(exp_, sn) && sn_le(sn, max_); }
  bool closed() const { return max_ + 1 == exp_; }

  // Recomputes MaxCmdSN for `busy` unanswered commands out of `limit`. With
  // no room left the window closes (MaxCmdSN = ExpCmdSN - 1, RFC 7143
  // §4.2.2.1); the response that frees a slot reopens it.
  void update(uint32_t busy, uint32_t limit) {
    uint32_t room = busy < limit ? limit - busy : 0;
    uint32_t candidate = exp_ + room - 1;
    if (sn_lt(max_, candidate)) max_ = candidate;
  }

  uint32_t exp_cmdsn() const { return exp_; }
  uint32_t max_cmdsn() const { return max_; }

 private:
  uint32_t exp_ = 0;
  uint32_t max_ = 0;
};

}  // namespace esan::iscsi
