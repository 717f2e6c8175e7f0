// Removing secrets from text that leaves the machine (the support bundle).
//
// Contract: Redactor::redact() is the one function every text of a support
// bundle passes through (support/bundle.h calls it on each member and on the
// MANIFEST; nothing is written around it). It is pure: same Redactor state
// and text in, same text out; redact(redact(t)) == redact(t). It works on any
// text line by line, so scst.conf files, unified diffs of them (a leading
// '+', '-' or ' '), JSON, Prometheus text and log lines are all covered by
// the same rules, which are:
//
//  1. Keys that carry a secret. A key is a word of [A-Za-z0-9_.-]; it is
//     sensitive when, lowercased, it contains "secret", "password",
//     "passwd" or "token", or is "authorization", "chap_r", "chap_c",
//     "incominguser", "outgoinguser" or "esan_peer_chap". Its value is
//     redacted when the key is
//       - followed by '=' or ':' (blanks and a closing '"' of a JSON key
//         may come between): the value is one quoted string ("...", with
//         \" and \\ escapes) or one word (up to a blank or one of ,;&})'");
//         after "authorization" a "Bearer"/"Basic" word is kept and the
//         word after it is the value; or
//       - the first word of its line (after blanks, one diff character
//         '+', '-' or ' ', and an opening '{'), followed by a blank: the
//         scst.conf attribute form; the value is the rest of the line
//         (trailing blanks and CR excluded).
//     The value is replaced by "<redacted>" (inside its quotes when quoted).
//     For IncomingUser, OutgoingUser and esan_peer_chap, whose value is
//     "USER SECRET", the first word (the user name) is kept and only what
//     follows it is replaced; a value of one word (a user name alone, as in
//     a removal) is left as it is.
//  2. Known secrets. Every value rule 1 replaces in any text given to
//     learn(), and every string given to add_secret(), is also replaced by
//     "<redacted>" wherever it appears in a text redact() is given, with or
//     without its key (an old CHAP secret quoted in a log line, the API
//     token in a command line). Only strings of at least kMinKnownSecret
//     bytes are replaced this way (a one-character "secret" would destroy
//     the text); shorter ones are still removed by rule 1. Longer secrets
//     are replaced first.
//
// So a bundle learns from every text it will hold (every config revision,
// the token file) before it redacts any of them: a secret changed in an
// older revision is removed from the newest log as well.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace esan::support {

inline constexpr std::string_view kRedacted = "<redacted>";
inline constexpr size_t kMinKnownSecret = 6;

class Redactor {
 public:
  // Remembers the values rule 1 finds in text (as written and with quotes'
  // escapes undone) as known secrets.
  void learn(std::string_view text);
  // A secret known from elsewhere (the API token); blanks around it are dropped.
  void add_secret(std::string_view secret);
  // text with rules 1 and 2 applied.
  std::string redact(std::string_view text) const;

  // The known secrets, longest first (for tests and the MANIFEST's count).
  std::vector<std::string> known() const;

 private:
  std::set<std::string> known_;
};

// The values rule 1 finds in one text (what learn() remembers).
std::vector<std::string> secret_values(std::string_view text);

}  // namespace esan::support
