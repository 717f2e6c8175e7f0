// esan-tui's screens: ncurses drawing and keys around the model
// (dashboard.h, actions.h, view.h). Thin on purpose: what is shown and
// which requests are made is decided by the model.
//
// Contract: run() owns the terminal until the user quits (0) and always
// restores it. The main screen is refreshed every 2 s; menus, forms,
// confirmations, messages and views are drawn over it. A resize
// (KEY_RESIZE, ncurses' SIGWINCH handling) redraws whatever is open; a
// terminal below 80x24 shows a notice until it is large enough again.
#pragma once

#include "tui/api.h"

namespace esan::tui {

int run(Api& api);

}  // namespace esan::tui
