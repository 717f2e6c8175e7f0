// Sending one ApiCall to esand through the management API's client
// (client/http.h, which holds the contract): the call's body is made here
// (request_body: its JSON, or a -config file read now).
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
