// esan-tui's read-only views (menu items with Action::view set): the lines
// of a scrollable text window, from GET requests only.
//
// Contract: view_lines() asks esand what the view needs and returns its
// lines (no wider than width), or the Error of the request that failed
// (the server's own message). kHelp and kAbout ask nothing.
#pragma once

#include "tui/actions.h"

namespace esan::tui {

Result<std::vector<std::string>> view_lines(Api& api, View view, int width);

// The title of a view's window.
std::string view_title(View view);

}  // namespace esan::tui
