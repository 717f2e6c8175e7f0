#include "support/redact.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace esan::support {
namespace {

enum class KeyKind { kPlain, kSecret, kUserSecret, kAuthorization };

struct Span {
  size_t begin, end;  // [begin, end) within the line
};

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }
bool key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'; }
bool word_end(char c) { return blank(c) || std::string_view(",;&})]'\"").find(c) != std::string_view::npos; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

KeyKind classify(std::string_view key) {
  std::string k = lower(key);
  if (k == "incominguser" || k == "outgoinguser" || k == "esan_peer_chap") return KeyKind::kUserSecret;
  if (k == "authorization") return KeyKind::kAuthorization;
  if (k == "chap_r" || k == "chap_c") return KeyKind::kSecret;
  for (std::string_view w : {"secret", "password", "passwd", "token"})
    if (k.find(w) != std::string::npos) return KeyKind::kSecret;
  return KeyKind::kPlain;
}

size_t skip_blanks(std::string_view s, size_t i) {
  while (i < s.size() && blank(s[i])) ++i;
  return i;
}

// The end of the quoted string whose opening '"' is at s[open]: the index of
// its closing quote, or s.size() when it does not close on this line.
size_t closing_quote(std::string_view s, size_t open) {
  for (size_t i = open + 1; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size())
      ++i;
    else if (s[i] == '"')
      return i;
  }
  return s.size();
}

size_t word_after(std::string_view s, size_t i) {
  while (i < s.size() && !word_end(s[i])) ++i;
  return i;
}

// Where the line's first word starts (rule 1's scst.conf form).
size_t first_word(std::string_view line) {
  size_t i = skip_blanks(line, 0);
  if (i < line.size() && (line[i] == '+' || line[i] == '-')) i = skip_blanks(line, i + 1);
  if (i < line.size() && line[i] == '{') i = skip_blanks(line, i + 1);
  return i;
}

// The value of a sensitive key that ends at line[ke], or nothing; `next` is
// where scanning goes on.
std::optional<Span> value_of(std::string_view line, size_t ks, size_t ke, KeyKind kind, size_t& next) {
  next = ke;
  size_t j = ke;
  if (j < line.size() && line[j] == '"') ++j;  // a JSON key's closing quote
  j = skip_blanks(line, j);
  Span v{};
  if (j < line.size() && (line[j] == '=' || line[j] == ':')) {
    j = skip_blanks(line, j + 1);
    if (j < line.size() && line[j] == '"') {
      size_t close = closing_quote(line, j);
      v = {j + 1, close};
      next = std::min(close + 1, line.size());
    } else {
      size_t e = word_after(line, j);
      if (kind == KeyKind::kAuthorization) {
        std::string scheme = lower(line.substr(j, e - j));
        if (scheme == "bearer" || scheme == "basic") j = skip_blanks(line, e), e = word_after(line, j);
      }
      v = {j, e};
      next = e;
    }
  } else if (ks == first_word(line) && ke < line.size() && blank(line[ke])) {
    j = skip_blanks(line, ke);
    if (j < line.size() && line[j] == '"' && closing_quote(line, j) < line.size()) {
      size_t close = closing_quote(line, j);
      v = {j + 1, close};
    } else {
      size_t e = line.size();
      while (e > j && blank(line[e - 1])) --e;
      v = {j, e};
    }
    next = line.size();
  } else {
    return std::nullopt;
  }
  if (kind == KeyKind::kUserSecret) {
    // "USER SECRET": keep the user name.
    size_t u = skip_blanks(line, v.begin);
    while (u < v.end && !blank(line[u])) ++u;
    u = skip_blanks(line, u);
    size_t e = v.end;
    while (e > u && blank(line[e - 1])) --e;
    v = {std::min(u, v.end), std::max(std::min(u, v.end), e)};
  }
  if (v.begin >= v.end) return std::nullopt;
  return v;
}

// Rule 1 on one line: the spans to replace, in order, not overlapping.
std::vector<Span> secret_spans(std::string_view line) {
  std::vector<Span> out;
  size_t i = 0;
  while (i < line.size()) {
    if (!key_char(line[i])) {
      ++i;
      continue;
    }
    size_t ks = i, ke = i;
    while (ke < line.size() && key_char(line[ke])) ++ke;
    KeyKind kind = classify(line.substr(ks, ke - ks));
    if (kind == KeyKind::kPlain) {
      i = ke;
      continue;
    }
    size_t next = ke;
    if (auto v = value_of(line, ks, ke, kind, next)) out.push_back(*v);
    i = std::max(next, ke);
  }
  return out;
}

template <class F>
void for_each_line(std::string_view text, F&& f) {
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    f(text.substr(pos, end - pos), nl != std::string_view::npos);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
}

std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) ++i;
    out += s[i];
  }
  return out;
}

std::string json_escaped(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (blank(s.front()) || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (blank(s.back()) || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

void replace_all(std::string& text, const std::string& what) {
  size_t pos = 0;
  while ((pos = text.find(what, pos)) != std::string::npos) {
    text.replace(pos, what.size(), kRedacted);
    pos += kRedacted.size();
  }
}

}  // namespace

std::vector<std::string> secret_values(std::string_view text) {
  std::vector<std::string> out;
  for_each_line(text, [&](std::string_view line, bool) {
    for (const auto& s : secret_spans(line)) out.emplace_back(line.substr(s.begin, s.end - s.begin));
  });
  return out;
}

void Redactor::learn(std::string_view text) {
  for (const auto& v : secret_values(text)) {
    if (v.find(kRedacted) != std::string::npos) continue;
    std::string plain = unescape(v);
    for (const auto& form : {v, plain, json_escaped(plain)}) add_secret(form);
  }
}

void Redactor::add_secret(std::string_view secret) {
  secret = trimmed(secret);
  if (secret.size() >= kMinKnownSecret && secret.find(kRedacted) == std::string_view::npos) known_.emplace(secret);
}

std::vector<std::string> Redactor::known() const {
  std::vector<std::string> out(known_.begin(), known_.end());
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return out;
}

std::string Redactor::redact(std::string_view text) const {
  std::string out;
  out.reserve(text.size());
  for_each_line(text, [&](std::string_view line, bool newline) {
    size_t at = 0;
    for (const auto& s : secret_spans(line)) {
      out.append(line.substr(at, s.begin - at));
      out.append(kRedacted);
      at = s.end;
    }
    out.append(line.substr(at));
    if (newline) out += '\n';
  });
  for (const auto& s : known()) replace_all(out, s);
  return out;
}

}  // namespace esan::support
