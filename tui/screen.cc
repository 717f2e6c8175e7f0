#include "tui/screen.h"

#include <curses.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "tui/actions.h"
#include "tui/dashboard.h"
#include "tui/view.h"

namespace esan::tui {
namespace {

using Lines = std::vector<std::string>;
constexpr int kMinCols = 80, kMinLines = 24;
constexpr int kEsc = 27;

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

bool is_enter(int ch) { return ch == '\n' || ch == '\r' || ch == KEY_ENTER; }

// Words of text in lines of at most width characters.
Lines wrap(const std::string& text, int width) {
  Lines out;
  std::string line, word;
  auto flush_word = [&] {
    while (int(word.size()) > width) {
      if (!line.empty()) out.push_back(line), line.clear();
      out.push_back(word.substr(0, size_t(width)));
      word.erase(0, size_t(width));
    }
    if (word.empty()) return;
    if (!line.empty() && int(line.size() + 1 + word.size()) > width) out.push_back(line), line.clear();
    line += (line.empty() ? "" : " ") + word;
    word.clear();
  };
  for (char c : text) {
    if (c == '\n') {
      flush_word();
      out.push_back(line);
      line.clear();
    } else if (c == ' ') {
      flush_word();
    } else {
      word += c;
    }
  }
  flush_word();
  if (!line.empty() || out.empty()) out.push_back(line);
  return out;
}

// A cleared box with a border and a title.
void frame(int y, int x, int h, int w, const std::string& title) {
  for (int r = y; r < y + h; ++r) mvhline(r, x, ' ', w);
  mvaddch(y, x, ACS_ULCORNER);
  mvaddch(y, x + w - 1, ACS_URCORNER);
  mvaddch(y + h - 1, x, ACS_LLCORNER);
  mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
  mvhline(y, x + 1, ACS_HLINE, w - 2);
  mvhline(y + h - 1, x + 1, ACS_HLINE, w - 2);
  mvvline(y + 1, x, ACS_VLINE, h - 2);
  mvvline(y + 1, x + w - 1, ACS_VLINE, h - 2);
  if (!title.empty()) {
    attron(A_BOLD);
    mvaddnstr(y, x + 2, (" " + title + " ").c_str(), w - 4);
    attroff(A_BOLD);
  }
}

void text_at(int y, int x, const std::string& s, int max) {
  if (max > 0) mvaddnstr(y, x, s.c_str(), max);
}

class Console {
 public:
  explicit Console(Api& api) : api_(api) {}

  int run() {
    for (;;) {
      if (now_s() - last_ >= 2.0) poll();
      draw_main(true);
      int ch = getch();
      if (ch == ERR || ch == KEY_RESIZE) continue;
      if (too_small()) continue;
      if (ch == 'q' || ch == 'Q') return 0;
      if (ch == '?') show_view(View::kHelp);
      if (ch == KEY_LEFT) bar_ = (bar_ + int(menus().size()) - 1) % int(menus().size());
      if (ch == KEY_RIGHT) bar_ = (bar_ + 1) % int(menus().size());
      int m = -1;
      if (is_enter(ch) || ch == KEY_DOWN) m = bar_;
      for (size_t i = 0; i < menus().size(); ++i)
        if (ch == menus()[i].key || ch == toupper(menus()[i].key)) m = int(i);
      if (m < 0) continue;
      if (open_menu(m)) return 0;
      last_ = 0;  // after a menu, show the effect at once
    }
  }

 private:
  bool too_small() const { return COLS < kMinCols || LINES < kMinLines; }

  void poll() {
    bool health = ticks_++ % 5 == 0;  // GET /v1/health reads every backend: every 10 s
    std::optional<uint64_t> since;
    if (cur_) since = cur_->events_next;
    auto s = sample(api_, now_s(), health, since);
    last_ = now_s();
    if (!s) {
      error_ = s.error().message;
      return;
    }
    error_.clear();
    if (!s->health && cur_ && cur_->health) s->health = cur_->health;
    keep_recent(*s, cur_ ? &*cur_ : nullptr);
    prev_ = std::move(cur_);
    cur_ = std::move(*s);
    std::time_t t = std::time(nullptr);
    char buf[16];
    std::tm tm{};
    localtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
    updated_ = buf;
  }

  // The main screen; under a window when !alone (nothing refreshed to the terminal yet).
  void draw_main(bool alone) {
    erase();
    if (too_small()) {
      text_at(
          0, 0,
          "esan-tui needs at least 80x24; the terminal is " + std::to_string(COLS) + "x" + std::to_string(LINES) + ".",
          COLS);
      refresh();
      return;
    }
    attron(A_REVERSE);
    mvhline(0, 0, ' ', COLS);
    int x = 1;
    for (size_t i = 0; i < menus().size(); ++i) {
      const auto& m = menus()[i];
      if (int(i) == bar_) attroff(A_REVERSE);
      mvaddch(0, x, ' ');
      attron(A_UNDERLINE | A_BOLD);
      mvaddch(0, x + 1, static_cast<chtype>(m.title[0]));
      attroff(A_UNDERLINE | A_BOLD);
      text_at(0, x + 2, m.title.substr(1) + " ", COLS - x - 2);
      if (int(i) == bar_) attron(A_REVERSE);
      x += int(m.title.size()) + 3;
    }
    text_at(0, COLS - 10, "esan-tui", 9);
    attroff(A_REVERSE);
    Lines body;
    if (cur_)
      body = dashboard(*cur_, prev_ ? &*prev_ : nullptr, COLS - 2);
    else if (error_.empty())
      body = {"asking esand..."};
    for (int i = 0; i < int(body.size()) && i + 2 < LINES - 1; ++i) text_at(i + 2, 1, body[size_t(i)], COLS - 2);
    std::string status = error_.empty() ? "updated " + updated_ + " (every 2 s)   q quit   ? help" : "esand: " + error_;
    if (!error_.empty()) attron(A_BOLD);
    text_at(LINES - 1, 1, status, COLS - 2);
    attroff(A_BOLD);
    if (alone) refresh();
  }

  // A key for a window: its content is drawn by draw() over the main screen.
  template <class Draw>
  int key(Draw&& draw) {
    for (;;) {
      if (now_s() - last_ >= 2.0) poll();
      draw_main(false);
      if (!too_small()) draw();
      refresh();
      int ch = getch();
      if (ch == ERR || ch == KEY_RESIZE || too_small()) continue;
      return ch;
    }
  }

  // Returns true to quit.
  bool open_menu(int m) {
    int sel = 0;
    for (;;) {
      bar_ = m;
      const Menu& menu = menus()[size_t(m)];
      int w = 4;
      for (const auto& a : menu.items) w = std::max(w, int(a.label.size()) + 8);
      int ch = key([&] {
        int x = std::min(1 + x_of(m), COLS - w - 1);
        frame(1, x, int(menu.items.size()) + 2, w, "");
        for (size_t i = 0; i < menu.items.size(); ++i) {
          if (int(i) == sel) attron(A_REVERSE);
          mvhline(2 + int(i), x + 1, ' ', w - 2);
          attron(A_BOLD);
          mvaddch(2 + int(i), x + 2, static_cast<chtype>(menu.items[i].key));
          attroff(A_BOLD);
          text_at(2 + int(i), x + 5, menu.items[i].label, w - 6);
          attroff(A_REVERSE);
        }
      });
      int n = int(menu.items.size());
      if (ch == kEsc) return false;
      if (ch == KEY_UP) sel = (sel + n - 1) % n;
      if (ch == KEY_DOWN) sel = (sel + 1) % n;
      if (ch == KEY_LEFT) m = (m + int(menus().size()) - 1) % int(menus().size()), sel = 0;
      if (ch == KEY_RIGHT) m = (m + 1) % int(menus().size()), sel = 0;
      int pick = is_enter(ch) ? sel : -1;
      for (int i = 0; i < n; ++i)
        if (ch == menu.items[size_t(i)].key) pick = i;
      if (pick < 0) continue;
      const Action& a = menu.items[size_t(pick)];
      if (a.view == View::kQuit) return true;
      if (a.view != View::kNone)
        show_view(a.view);
      else
        run_form(a);
      return false;
    }
  }

  int x_of(int m) const {
    int x = 1;
    for (int i = 0; i < m; ++i) x += int(menus()[size_t(i)].title.size()) + 3;
    return x;
  }

  void message(const std::string& title, const std::string& text) {
    for (;;) {
      int w = std::min(COLS - 4, 72);
      Lines lines = wrap(text, w - 4);
      int ch = key([&] {
        int h = std::min(int(lines.size()) + 4, LINES - 2);
        int y = (LINES - h) / 2, x = (COLS - w) / 2;
        frame(y, x, h, w, title);
        for (int i = 0; i < h - 4; ++i) text_at(y + 1 + i, x + 2, lines[size_t(i)], w - 4);
        attron(A_REVERSE);
        text_at(y + h - 2, x + (w - 6) / 2, "[ OK ]", 6);
        attroff(A_REVERSE);
      });
      if (ch == kEsc || is_enter(ch) || ch == ' ') return;
    }
  }

  // Cancel is the answer selected at first.
  bool confirm(const std::string& question) {
    bool yes = false;
    for (;;) {
      int w = std::min(COLS - 4, 72);
      Lines lines = wrap(question, w - 4);
      int ch = key([&] {
        int h = int(lines.size()) + 4;
        int y = (LINES - h) / 2, x = (COLS - w) / 2;
        frame(y, x, h, w, "Confirm");
        for (size_t i = 0; i < lines.size(); ++i) text_at(y + 1 + int(i), x + 2, lines[i], w - 4);
        int bx = x + w / 2 - 10;
        if (!yes) attron(A_REVERSE);
        text_at(y + h - 2, bx, "[ Cancel ]", 10);
        attroff(A_REVERSE);
        if (yes) attron(A_REVERSE);
        text_at(y + h - 2, bx + 13, "[ Yes ]", 7);
        attroff(A_REVERSE);
      });
      if (ch == kEsc) return false;
      if (ch == KEY_LEFT || ch == KEY_RIGHT || ch == '\t' || ch == KEY_BTAB) yes = !yes;
      if (is_enter(ch)) return yes;
    }
  }

  void show_view(View v) {
    auto lines = view_lines(api_, v, std::max(COLS - 6, kMinCols - 6));
    if (!lines) return message("Error", lines.error().message);
    int top = 0;
    for (;;) {
      int h = LINES - 4, w = COLS - 2;
      int rows = h - 3;
      int ch = key([&] {
        frame(2, 1, h, w, view_title(v));
        for (int i = 0; i < rows && top + i < int(lines->size()); ++i)
          text_at(3 + i, 3, (*lines)[size_t(top + i)], w - 4);
        text_at(1 + h, 3, "Up/Down/PgUp/PgDn scroll   Esc close", w - 4);
      });
      int max_top = std::max(0, int(lines->size()) - rows);
      if (ch == kEsc || ch == 'q' || is_enter(ch)) return;
      if (ch == KEY_UP) top = std::max(0, top - 1);
      if (ch == KEY_DOWN) top = std::min(max_top, top + 1);
      if (ch == KEY_PPAGE) top = std::max(0, top - rows);
      if (ch == KEY_NPAGE) top = std::min(max_top, top + rows);
    }
  }

  void run_form(const Action& a) {
    // Choice fields: their options, asked of esand now.
    std::vector<std::vector<std::string>> opts(a.fields.size());
    std::vector<size_t> pick(a.fields.size(), 0);
    Values values;
    for (size_t i = 0; i < a.fields.size(); ++i) {
      const Field& f = a.fields[i];
      if (f.source == Source::kNone) {
        values[f.key] = f.initial;
        continue;
      }
      auto c = choices(api_, f);
      if (!c) return message("Error", c.error().message);
      opts[i] = std::move(*c);
    }
    int n = int(a.fields.size());
    int focus = 0;  // fields, then OK (n), Cancel (n + 1)
    std::string problem;
    for (;;) {
      for (size_t i = 0; i < a.fields.size(); ++i)
        if (a.fields[i].source != Source::kNone) values[a.fields[i].key] = opts[i].empty() ? "" : opts[i][pick[i]];
      int w = std::min(COLS - 4, 76);
      int ch = key([&] {
        int h = n + 6;
        int y = std::max(1, (LINES - h) / 2), x = (COLS - w) / 2;
        frame(y, x, h, w, a.label);
        int lw = 28;
        for (int i = 0; i < n; ++i) {
          const Field& f = a.fields[size_t(i)];
          text_at(y + 1 + i, x + 2, f.label, lw - 2);
          std::string v = values[f.key];
          if (f.secret) v = std::string(v.size(), '*');
          if (f.source != Source::kNone) v = opts[size_t(i)].empty() ? "< (none) >" : "< " + v + " >";
          int vw = w - lw - 4;
          if (int(v.size()) > vw) v = v.substr(v.size() - size_t(vw));
          attron(i == focus ? A_REVERSE : A_UNDERLINE);
          mvhline(y + 1 + i, x + lw, ' ', vw);
          text_at(y + 1 + i, x + lw, v, vw);
          attroff(A_REVERSE | A_UNDERLINE);
        }
        attron(A_BOLD);
        text_at(y + n + 2, x + 2, problem, w - 4);
        attroff(A_BOLD);
        int bx = x + w / 2 - 10;
        if (focus == n) attron(A_REVERSE);
        text_at(y + n + 4, bx, "[ OK ]", 6);
        attroff(A_REVERSE);
        if (focus == n + 1) attron(A_REVERSE);
        text_at(y + n + 4, bx + 10, "[ Cancel ]", 10);
        attroff(A_REVERSE);
      });
      if (ch == kEsc) return;
      if (ch == '\t' || ch == KEY_DOWN)
        focus = (focus + 1) % (n + 2);
      else if (ch == KEY_BTAB || ch == KEY_UP)
        focus = (focus + n + 1) % (n + 2);
      else if (is_enter(ch)) {
        if (focus == n + 1) return;
        if (a.run) {  // local work (the support bundle), not a change
          auto line = a.run(api_, values);
          if (!line) {
            problem = line.error().message;
            continue;
          }
          message("Done", *line);
          return;
        }
        auto request = request_of(api_, a, values);
        if (!request) {
          problem = request.error().message;
          continue;
        }
        if (a.confirm && !confirm(a.label + " (" + summary(a, values) + ")?")) return;
        auto reply = api_.call(*request);
        if (!reply) {
          message("Error", reply.error().message);
          continue;
        }
        if (!reply->ok()) {
          message("Refused", "esand refused: " + client::error_message(*reply));
          continue;
        }
        message("Done", a.done(values));
        return;
      } else if (focus < n) {
        const Field& f = a.fields[size_t(focus)];
        size_t i = size_t(focus);
        if (f.source != Source::kNone) {
          size_t k = opts[i].size();
          if (k && (ch == KEY_RIGHT || ch == ' ')) pick[i] = (pick[i] + 1) % k;
          if (k && ch == KEY_LEFT) pick[i] = (pick[i] + k - 1) % k;
        } else {
          std::string& v = values[f.key];
          if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && !v.empty())
            v.pop_back();
          else if (ch >= 32 && ch < 127)
            v += static_cast<char>(ch);
        }
        problem.clear();
      }
    }
  }

  static std::string summary(const Action& a, const Values& v) {
    std::string s;
    for (const auto& f : a.fields) {
      auto it = v.find(f.key);
      if (it != v.end() && !it->second.empty() && !f.secret) s += (s.empty() ? "" : ", ") + f.label + ": " + it->second;
    }
    return s;
  }

  Api& api_;
  std::optional<Sample> cur_, prev_;
  std::string error_, updated_ = "-";
  double last_ = 0;
  unsigned ticks_ = 0;
  int bar_ = 0;
};

}  // namespace

int run(Api& api) {
  initscr();
  cbreak();
  noecho();
  keypad(stdscr, TRUE);
  set_escdelay(25);
  curs_set(0);
  timeout(250);
  int rc = 0;
  try {
    rc = Console(api).run();
  } catch (...) {
    endwin();
    throw;
  }
  endwin();
  return rc;
}

}  // namespace esan::tui
