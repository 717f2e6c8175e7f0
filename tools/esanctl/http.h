// Sending one ApiCall to esand: HTTP/1.1 over its unix socket, or over TCP
// with a bearer token. The only module that sees cpp-httplib.
//
// Contract: send() returns the status and body of whatever esand answered
// (any status); an Error only when no answer came: Errc::kIo for "cannot
// connect / connection lost" (exit 3), Errc::kInvalidArgument for a local
// problem (unreadable token or -config file; exit 2).
#pragma once

#include "tools/esanctl/call.h"
#include "tools/esanctl/render.h"

namespace esan::ctl {

Result<Reply> send(const Connection& conn, const ApiCall& call);

}  // namespace esan::ctl
