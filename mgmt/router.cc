// Router; see router.h.
#include "mgmt/router.h"

#include <mutex>

#include "mgmt/api_json.h"

namespace esan::mgmt {

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool is_capture(const std::string& s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }

}  // namespace

bool Request::has_query(const std::string& key) const { return query.count(key) != 0; }

bool Request::flag(const std::string& key) const {
  auto it = query.find(key);
  return it != query.end() && (it->second.empty() || it->second == "1" || it->second == "true");
}

void Router::route(std::string method, std::string pattern, Handler handler) {
  std::unique_lock lk(mu_);
  routes_.push_back(Route{std::move(method), split_path(pattern), std::move(handler)});
}

Response Router::dispatch(Request req) const {
  auto segs = split_path(req.path);
  const Handler* found = nullptr;
  {
    std::shared_lock lk(mu_);
    for (const auto& r : routes_) {
      if (r.method != req.method || r.segments.size() != segs.size()) continue;
      std::map<std::string, std::string> params;
      bool match = true;
      for (size_t i = 0; i < segs.size() && match; ++i) {
        if (is_capture(r.segments[i]))
          params[r.segments[i].substr(1, r.segments[i].size() - 2)] = segs[i];
        else
          match = r.segments[i] == segs[i];
      }
      if (!match) continue;
      req.params = std::move(params);
      found = &r.handler;
      break;
    }
    if (found) {
      Handler h = *found;  // copy: call without the lock (a handler may add routes)
      lk.unlock();
      return h(req);
    }
  }
  return error_response(Error{Errc::kNotFound, "no such endpoint: " + req.method + " " + req.path});
}

}  // namespace esan::mgmt
