#include "tests/ha/guest/multipath_status.h"

#include <sstream>

namespace esan::ha {
namespace {

std::vector<std::string> Words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> w;
  for (std::string x; in >> x;) w.push_back(x);
  return w;
}

// The value of key=... in line: quoted ('...') or up to the next space.
std::string Value(const std::string& line, const std::string& key) {
  size_t at = line.find(key + "=");
  if (at == std::string::npos) return "";
  at += key.size() + 1;
  if (at < line.size() && line[at] == '\'') {
    size_t end = line.find('\'', at + 1);
    return line.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
  }
  size_t end = line.find(' ', at);
  return line.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

bool IsTreeChar(char c) { return c == '|' || c == '`' || c == '-' || c == '+' || c == ' '; }

}  // namespace

const MultipathGroup* MultipathMap::GroupOf(const std::string& dev) const {
  for (const auto& g : groups)
    for (const auto& p : g.paths)
      if (p.dev == dev) return &g;
  return nullptr;
}

const MultipathGroup* MultipathMap::ActiveGroup() const {
  for (const auto& g : groups)
    if (g.status == "active") return &g;
  return nullptr;
}

bool ParseMultipathLl(const std::string& text, std::vector<MultipathMap>* maps, std::string* error) {
  std::vector<MultipathMap> out;
  std::istringstream in(text);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.empty()) continue;
    auto fail = [&](const std::string& why) {
      *error = "line " + std::to_string(n) + ": " + why + ": '" + line + "'";
      return false;
    };
    if (line.find("policy=") != std::string::npos && line.find("prio=") != std::string::npos) {
      if (out.empty()) return fail("a path group before any map");
      MultipathGroup g;
      std::string prio = Value(line, "prio");
      g.status = Value(line, "status");
      if (prio.empty() || g.status.empty()) return fail("a path group without prio= or status=");
      try {
        g.prio = std::stoi(prio);
      } catch (...) {
        return fail("prio is not a number");
      }
      out.back().groups.push_back(g);
      continue;
    }
    if (line.rfind("size=", 0) == 0) {
      if (out.empty()) return fail("a size line before any map");
      out.back().features = Value(line, "features");
      out.back().hwhandler = Value(line, "hwhandler");
      continue;
    }
    if (IsTreeChar(line[0])) {
      // A path: the tree drawing, then "H:C:T:L dev maj:min dm checker online".
      size_t start = 0;
      while (start < line.size() && IsTreeChar(line[start])) ++start;
      std::vector<std::string> w = Words(line.substr(start));
      if (w.empty() || w[0].find(':') == std::string::npos) continue;
      if (out.empty() || out.back().groups.empty()) return fail("a path before any path group");
      if (w.size() < 6) return fail("a path line with fewer than six fields");
      out.back().groups.back().paths.push_back({w[0], w[1], w[3], w[4], w[5]});
      continue;
    }
    // A map header: "NAME (WWID) dm-N VENDOR,PRODUCT" (the WWID is left out
    // when it is the name).
    std::vector<std::string> w = Words(line);
    if (w.size() < 3 || line.find(" dm-") == std::string::npos) continue;
    MultipathMap m;
    m.name = w[0];
    size_t i = 1;
    if (w[1].size() >= 2 && w[1].front() == '(' && w[1].back() == ')') {
      m.wwid = w[1].substr(1, w[1].size() - 2);
      ++i;
    } else {
      m.wwid = w[0];
    }
    if (i < w.size() && w[i].rfind("dm-", 0) == 0) ++i;
    if (i < w.size()) m.vendor_product = w[i];
    out.push_back(m);
  }
  *maps = std::move(out);
  return true;
}

std::string ToString(const std::vector<MultipathMap>& maps) {
  std::ostringstream os;
  if (maps.empty()) return "no maps";
  for (const auto& m : maps) {
    os << m.name << " (hwhandler '" << m.hwhandler << "'):";
    for (const auto& g : m.groups) {
      os << " [prio " << g.prio << " " << g.status << ":";
      for (const auto& p : g.paths) os << " " << p.dev << "(" << p.dm_state << " " << p.checker_state << ")";
      os << "]";
    }
    os << ";";
  }
  return os.str();
}

}  // namespace esan::ha
