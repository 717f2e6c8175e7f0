#include "tools/esanctl/http.h"

#include "tools/esanctl/util.h"

namespace esan::ctl {

Result<Reply> send(const Connection& conn, const ApiCall& call) {
  auto body = request_body(call);
  if (!body) return std::unexpected(body.error());
  return client::send(conn, client::Request{call.method, call.path, *body});
}

}  // namespace esan::ctl
