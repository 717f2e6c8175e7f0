// esan-tui end to end (issue 16, label tui): the console runs in a detached
// tmux session against a real esand and is driven with send-keys and read
// with capture-pane. Through its menus a file device, a target, an
// initiator group with an initiator and a LUN are made, then the config file
// holds them and a libiscsi client logs in as that initiator, sees the LUN
// and appears on the main screen; a refused change shows esand's own
// message and changes nothing, a deletion defaults to Cancel; resizes keep
// the program running and redrawn. Every wait polls the screen with a
// generous deadline (a busy 2-core machine).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "tests/integration/alert_sinks.h"
#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/mgmt_client.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

constexpr size_t kMiB = 1024 * 1024;
const std::string kTarget = "iqn.2026-12.org.esan:tui";
const std::string kInitiator = "iqn.2026-12.org.esan.test:tui-host";

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// esan-tui in a tmux session of its own tmux server (-L), killed at the end.
class Tmux {
 public:
  Tmux(const std::string& tag, const std::string& command, int cols, int lines)
      : server_("esan-tui-" + tag + "-" + std::to_string(::getpid())),
        status_file_("/tmp/" + server_ + ".status") {
    Run("kill-server");
    ::unlink(status_file_.c_str());
    // The shell records how esan-tui ended: tmux's own record of a pane's
    // exit status can lag its death by many seconds on a loaded machine.
    auto r = Run("new-session -d -s tui -x " + std::to_string(cols) + " -y " + std::to_string(lines) + " " +
                 Quote("env TERM=xterm-256color " + command + "; echo \"status $?\" > " + status_file_));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    Run("set-option -t tui remain-on-exit on");
  }
  ~Tmux() {
    Run("kill-server");
    ::unlink(status_file_.c_str());
  }

  CommandOutput Run(const std::string& args) const { return RunCommand("tmux -L " + server_ + " " + args); }
  // Keys by tmux name (Tab, Enter, Escape, Up, Right, d, ...).
  void Keys(const std::string& keys) const { EXPECT_EQ(Run("send-keys -t tui " + keys).exit_code, 0) << keys; }
  void Type(const std::string& text) const { EXPECT_EQ(Run("send-keys -t tui -l " + Quote(text)).exit_code, 0); }
  std::string Screen() const { return Run("capture-pane -p -t tui").output; }
  // Dead only when tmux says so: a tmux call that fails under load (empty
  // output) is no evidence that esan-tui exited.
  bool Alive() const { return !Run("display-message -p -t tui '#{pane_dead}'").output.starts_with("1"); }
  // How esan-tui ended ("status N", as its shell saw it), once it has;
  // "" if it has not within `wait`.
  std::string Ending(std::chrono::seconds wait) const {
    auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      std::ifstream f(status_file_);
      std::string line;
      if (f && std::getline(f, line) && !line.empty()) return line;
      if (std::chrono::steady_clock::now() > deadline) return "";
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  void Resize(int cols, int lines) const {
    auto r = Run("resize-window -t tui -x " + std::to_string(cols) + " -y " + std::to_string(lines));
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }

  // Waits until the screen shows text (and, when given, no longer shows gone).
  ::testing::AssertionResult WaitFor(const std::string& text, const std::string& gone = "",
                                     std::chrono::seconds limit = std::chrono::seconds(30)) const {
    auto deadline = std::chrono::steady_clock::now() + limit;
    std::string screen;
    for (;;) {
      screen = Screen();
      if (screen.find(text) != std::string::npos && (gone.empty() || screen.find(gone) == std::string::npos))
        return ::testing::AssertionSuccess();
      if (std::chrono::steady_clock::now() > deadline || !Alive()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return ::testing::AssertionFailure() << "the screen does not show '" << text << "'"
                                         << (gone.empty() ? "" : " without '" + gone + "'")
                                         << (Alive() ? "" : " (esan-tui has exited)") << "; it shows:\n"
                                         << screen;
  }

 private:
  std::string server_;
  std::string status_file_;
};

std::string Tui(const EsandProcess& esand) { return std::string(ESAN_TUI_PATH) + " --socket " + esand.mgmt_socket(); }

bool TmuxMissing() { return !OnPath("tmux"); }

TEST(TuiThroughEsand, MenusMakeADeviceTargetGroupAndLunAnInitiatorSees) {
  ASSERT_FALSE(TmuxMissing()) << "tmux is needed (scripts/install-deps.sh installs it)";
  EsandProcess esand("tui-make");
  const std::string img = esand.Path("d1.img");
  ASSERT_TRUE(MakeSparseFile(img, 8 * kMiB));
  esand.WriteConfig("TARGET_DRIVER iscsi {\n    enabled 1\n}\n");
  ASSERT_TRUE(esand.Start());
  Tmux tui("make", Tui(esand), 120, 40);
  ASSERT_TRUE(tui.WaitFor("sessions 0"));

  // Devices > Add file device.
  tui.Keys("d");
  ASSERT_TRUE(tui.WaitFor("Add file device"));
  tui.Keys("f");
  ASSERT_TRUE(tui.WaitFor("File (absolute)"));
  tui.Type("d1");
  tui.Keys("Tab");
  tui.Type(img);
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("device d1 opened"));
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("d1      ", "device d1 opened"));  // the main screen's DEVICES table

  // Targets > Add target (enabled: the first choice).
  tui.Keys("t");
  ASSERT_TRUE(tui.WaitFor("Add target"));
  tui.Keys("a");
  ASSERT_TRUE(tui.WaitFor("Name (IQN)"));
  tui.Type(kTarget);
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("target " + kTarget + " added"));
  tui.Keys("Enter");

  // Hosts > Add initiator group, then an initiator in it.
  tui.Keys("h");
  ASSERT_TRUE(tui.WaitFor("Add initiator group"));
  tui.Keys("g");
  ASSERT_TRUE(tui.WaitFor("Group name"));
  tui.Keys("Tab");
  tui.Type("hosts");
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("group hosts added"));
  tui.Keys("Enter");
  tui.Keys("h");
  ASSERT_TRUE(tui.WaitFor("Add initiator group", "group hosts added"));
  tui.Keys("i");
  ASSERT_TRUE(tui.WaitFor("< " + kTarget + " / hosts >"));
  tui.Keys("Tab");
  tui.Type(kInitiator);
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("initiator " + kInitiator + " added"));
  tui.Keys("Enter");

  // Devices > Map a LUN: the group's map is the second choice.
  tui.Keys("d");
  ASSERT_TRUE(tui.WaitFor("Map a LUN", "initiator " + kInitiator + " added"));
  tui.Keys("m");
  ASSERT_TRUE(tui.WaitFor("< " + kTarget + " >"));
  tui.Keys("Right");
  ASSERT_TRUE(tui.WaitFor("< " + kTarget + " / hosts >"));
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("LUN 0 of " + kTarget + " / hosts added"));
  tui.Keys("Enter");

  // The config file holds all of it.
  std::string conf = ReadFile(esand.config_path());
  for (const std::string& want : std::vector<std::string>{"DEVICE d1 {", "filename " + img, "TARGET " + kTarget + " {",
                                                          "GROUP hosts {", "INITIATOR " + kInitiator, "LUN 0 d1"})
    EXPECT_NE(conf.find(want), std::string::npos) << want << " is not in:\n" << conf;

  // The initiator of the group sees LUN 0, 8 MiB.
  SessionOptions opts;
  opts.initiator = kInitiator;
  std::string err;
  Context ctx = Login(esand.portal(), kTarget, 0, opts, &err);
  ASSERT_TRUE(ctx) << err;
  std::vector<int> luns;
  ASSERT_TRUE(ReportLuns(ctx.get(), &luns));
  EXPECT_EQ(luns, std::vector<int>{0});
  uint64_t blocks = 0;
  uint32_t bs = 0;
  ASSERT_TRUE(ReadCapacity(ctx.get(), 0, &blocks, &bs));
  EXPECT_EQ(blocks * bs, 8 * kMiB);

  // The main screen shows the session: initiator, target, its group's LUNs.
  ASSERT_TRUE(tui.WaitFor(kInitiator + "  " + kTarget + "  0"));
  ASSERT_TRUE(tui.WaitFor("sessions 1"));

  tui.Keys("q");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (tui.Alive() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(tui.Alive());
  EXPECT_EQ(tui.Ending(std::chrono::seconds(30)), "status 0") << "the screen:\n" << tui.Screen();
}

TEST(TuiThroughEsand, ARefusalShowsEsandsMessageAndChangesNothing) {
  ASSERT_FALSE(TmuxMissing());
  EsandProcess esand("tui-refuse");
  const std::string img = esand.Path("d0.img");
  ASSERT_TRUE(MakeSparseFile(img, 8 * kMiB));
  esand.WriteConfig(Handler("vdisk_fileio", FileioDevice("d0", img)) +
                    IscsiDriver(Target(kTarget, "        LUN 0 d0\n")));
  ASSERT_TRUE(esand.Start());
  MgmtClient api(esand.mgmt_socket());
  const std::string before = ReadFile(esand.config_path());
  // The devices without their probe counters (those move on their own).
  auto devices = [&] {
    auto j = api.Get("/v1/devices").json;
    for (auto& d : j) d.erase("health");
    return j;
  };
  const auto devices_before = devices();
  ASSERT_EQ(devices_before.size(), 1u);
  Tmux tui("refuse", Tui(esand), 120, 40);
  ASSERT_TRUE(tui.WaitFor("sessions 0"));

  // A name that exists: esand's 409 message, word for word.
  tui.Keys("d");
  ASSERT_TRUE(tui.WaitFor("Add file device"));
  tui.Keys("f");
  ASSERT_TRUE(tui.WaitFor("File (absolute)"));
  tui.Type("d0");
  tui.Keys("Tab");
  tui.Type(img);
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("esand refused: device 'd0' already exists"));
  tui.Keys("Enter");
  // Back in the form, values kept: a relative file is esand's 400.
  ASSERT_TRUE(tui.WaitFor("File (absolute)", "esand refused"));
  tui.Keys("Up");
  for (int i = 0; i < 2; ++i) tui.Keys("BSpace");
  tui.Type("d9");
  tui.Keys("Tab");
  for (size_t i = 0; i < img.size(); ++i) tui.Keys("BSpace");
  tui.Type("rel.img");
  tui.Keys("Enter");
  // (the box wraps esand's message at its width)
  ASSERT_TRUE(tui.WaitFor("esand refused: device 'd9': filename 'rel.img' is not an absolute"));
  tui.Keys("Enter");
  // A field the form itself refuses: nothing is sent.
  ASSERT_TRUE(tui.WaitFor("File (absolute)", "esand refused"));
  tui.Keys("Up");
  for (int i = 0; i < 2; ++i) tui.Keys("BSpace");
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("Name is required"));
  tui.Keys("Escape");
  ASSERT_TRUE(tui.WaitFor("updated", "Name is required"));

  // Removing d0: the question's default is Cancel, so Enter keeps it.
  tui.Keys("d");
  ASSERT_TRUE(tui.WaitFor("Remove device"));
  tui.Keys("r");
  ASSERT_TRUE(tui.WaitFor("< d0 >"));
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("Remove device (Device: d0, Unmap it first: no)?"));
  ASSERT_TRUE(tui.WaitFor("[ Cancel ]   [ Yes ]"));
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("updated", "[ Yes ]"));
  // Now Yes, without force: d0 is mapped, esand refuses (409) with its reason.
  tui.Keys("d");
  ASSERT_TRUE(tui.WaitFor("Remove device"));
  tui.Keys("r");
  ASSERT_TRUE(tui.WaitFor("< d0 >"));
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("[ Cancel ]   [ Yes ]"));
  tui.Keys("Right");
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("esand refused: device 'd0'"));
  tui.Keys("Enter");
  tui.Keys("Escape");

  EXPECT_TRUE(tui.Alive());
  EXPECT_EQ(ReadFile(esand.config_path()), before);
  EXPECT_EQ(devices(), devices_before);
}

TEST(TuiThroughEsand, SystemMenuWritesASupportBundleAndShowsTheHistory) {
  ASSERT_FALSE(TmuxMissing());
  EsandProcess esand("tui-system");
  esand.WriteConfig("TARGET_DRIVER iscsi {\n    enabled 1\n}\n");
  ASSERT_TRUE(esand.Start());
  Tmux tui("system", Tui(esand), 120, 40);
  ASSERT_TRUE(tui.WaitFor("sessions 0"));
  // The history's first revision is esand's start.
  tui.Keys("s");
  ASSERT_TRUE(tui.WaitFor("Configuration history"));
  tui.Keys("h");
  ASSERT_TRUE(tui.WaitFor("REV           TIME (UTC)"));
  ASSERT_TRUE(tui.WaitFor("esand"));
  tui.Keys("Escape");
  ASSERT_TRUE(tui.WaitFor("sessions 0", "TIME (UTC)"));
  // The bundle, written where asked.
  const std::string file = esand.Path("bundle.tar.gz");
  tui.Keys("s");
  ASSERT_TRUE(tui.WaitFor("Write a support bundle"));
  tui.Keys("b");
  ASSERT_TRUE(tui.WaitFor("Replace an existing file"));
  for (int i = 0; i < 40; ++i) tui.Keys("BSpace");
  tui.Type(file);
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("support bundle written to", "", std::chrono::seconds(90)));
  std::string gz = ReadFile(file);
  ASSERT_GE(gz.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(gz[1]), 0x8b);
  tui.Keys("Enter");
  // Again without replacing: refused, the file is the same.
  tui.Keys("s");
  ASSERT_TRUE(tui.WaitFor("Write a support bundle", "support bundle written"));
  tui.Keys("b");
  ASSERT_TRUE(tui.WaitFor("Replace an existing file"));
  for (int i = 0; i < 40; ++i) tui.Keys("BSpace");
  tui.Type(file);
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("exists", "", std::chrono::seconds(90)));
  EXPECT_EQ(ReadFile(file), gz);
  tui.Keys("Escape");
  EXPECT_TRUE(tui.Alive());
}

TEST(TuiThroughEsand, ResizesRedrawAndNeverExit) {
  ASSERT_FALSE(TmuxMissing());
  EsandProcess esand("tui-resize");
  esand.WriteConfig("TARGET_DRIVER iscsi {\n    enabled 1\n}\n");
  ASSERT_TRUE(esand.Start());
  Tmux tui("resize", Tui(esand), 120, 40);
  ASSERT_TRUE(tui.WaitFor("sessions 0"));

  auto widest = [&] {
    size_t w = 0;
    std::string s = tui.Screen();
    for (size_t b = 0, e; b < s.size(); b = e + 1) {
      e = s.find('\n', b);
      if (e == std::string::npos) e = s.size();
      w = std::max(w, e - b);
    }
    return w;
  };
  // The bar's right end moves with the width.
  ASSERT_TRUE(tui.WaitFor(std::string(40, ' ') + "esan-tui"));
  tui.Resize(80, 24);
  ASSERT_TRUE(tui.WaitFor("Interface", std::string(40, ' ') + "esan-tui"));
  ASSERT_TRUE(tui.WaitFor("sessions 0"));
  EXPECT_LE(widest(), 80u);
  // A menu open across a resize is redrawn at the new size.
  tui.Keys("s");
  ASSERT_TRUE(tui.WaitFor("Configuration history"));
  tui.Resize(120, 40);
  ASSERT_TRUE(tui.WaitFor(std::string(40, ' ') + "esan-tui"));
  ASSERT_TRUE(tui.WaitFor("Configuration history"));
  tui.Keys("Escape");
  ASSERT_TRUE(tui.WaitFor("sessions 0", "Configuration history"));
  // Below 80x24: a notice, then the screen again.
  tui.Resize(60, 20);
  ASSERT_TRUE(tui.WaitFor("esan-tui needs at least 80x24; the terminal is 60x20."));
  tui.Resize(80, 24);
  ASSERT_TRUE(tui.WaitFor("sessions 0", "needs at least"));
  tui.Resize(120, 40);
  ASSERT_TRUE(tui.WaitFor(std::string(40, ' ') + "esan-tui"));
  // Still the same program, still refreshing.
  EXPECT_TRUE(tui.Alive());
  std::string first = tui.Screen();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (tui.Screen() == first && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_NE(tui.Screen(), first) << "the main screen was not refreshed";
  EXPECT_TRUE(tui.Alive());
}

// Hosts > Set initiator alias: the main screen shows the session by its
// alias, a bad alias shows esand's rule and changes nothing; the Cluster
// menu on a machine where no cluster runs says so (crm_mon's words) instead
// of failing.
TEST(TuiThroughEsand, AliasOnTheMainScreenAndClusterMenuWithoutACluster) {
  ASSERT_FALSE(TmuxMissing());
  EsandProcess esand("tui-alias");
  const std::string img = esand.Path("d0.img");
  ASSERT_TRUE(MakeSparseFile(img, 8 * kMiB));
  esand.WriteConfig(Handler("vdisk_fileio", FileioDevice("d0", img)) +
                    IscsiDriver(Target(kTarget, "        LUN 0 d0\n")));
  ASSERT_TRUE(esand.Start());
  SessionOptions opts;
  opts.initiator = kInitiator;
  std::string err;
  Context ctx = Login(esand.portal(), kTarget, 0, opts, &err);
  ASSERT_TRUE(ctx) << err;
  Tmux tui("alias", Tui(esand), 120, 40);
  ASSERT_TRUE(tui.WaitFor(kInitiator + "  " + kTarget));

  tui.Keys("h");
  ASSERT_TRUE(tui.WaitFor("Set initiator alias"));
  tui.Keys("a");
  ASSERT_TRUE(tui.WaitFor("Alias"));
  tui.Type(kInitiator);
  tui.Keys("Tab");
  tui.Type("db-1");
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("initiator " + kInitiator + " is now db-1"));
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("db-1 (" + kInitiator + ")"));
  if (const char* f = std::getenv("ESAN_TUI_CAPTURE")) std::ofstream(f) << tui.Screen();  // for the README
  const std::string conf = ReadFile(esand.config_path());
  EXPECT_NE(conf.find("ESAN_ALIASES {\n\t" + kInitiator + " db-1\n}"), std::string::npos) << conf;

  tui.Keys("h");
  ASSERT_TRUE(tui.WaitFor("Set initiator alias"));
  tui.Keys("a");
  ASSERT_TRUE(tui.WaitFor("Alias"));
  tui.Type(kInitiator);
  tui.Keys("Tab");
  tui.Type("db 2!");
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("alias 'db 2!': only letters, digits"));
  tui.Keys("Escape");
  EXPECT_EQ(ReadFile(esand.config_path()), conf);
  tui.Keys("Escape");

  tui.Keys("c");
  ASSERT_TRUE(tui.WaitFor("Move the master"));
  tui.Keys("s");
  ASSERT_TRUE(tui.WaitFor("Pacemaker: not running here ("));
  tui.Keys("Escape");
  EXPECT_TRUE(tui.Alive());
}

// System > alert setup: a webhook sink and a rule added through the menus
// land in alerts.conf beside the config file (esand runs without
// --alerts); the test alert and an event routed by the new rule reach a
// webhook on 127.0.0.1; a refused URL shows esand's own reason; removing
// a sink asks first and Cancel keeps it.
TEST(TuiThroughEsand, AlertSetupAddsAWebhookSinkAndARule) {
  ASSERT_FALSE(TmuxMissing()) << "tmux is needed (scripts/install-deps.sh installs it)";
  EsandProcess esand("tui-alerts");
  esand.WriteConfig("TARGET_DRIVER iscsi {\n    enabled 1\n}\n");
  ASSERT_TRUE(esand.Start());
  AlertSinks hook(esand.dir());
  const std::string file = esand.Path("alerts.conf");
  Tmux tui("alerts", Tui(esand), 120, 40);
  ASSERT_TRUE(tui.WaitFor("sessions 0"));

  // A refused URL (https): esand's parser says why; nothing is saved.
  tui.Keys("s");
  ASSERT_TRUE(tui.WaitFor("Add a webhook alert sink"));
  tui.Keys("k");
  ASSERT_TRUE(tui.WaitFor("URL"));
  tui.Type("bad");
  tui.Keys("Tab");
  tui.Keys("BSpace BSpace BSpace BSpace BSpace BSpace BSpace");
  tui.Type("https://127.0.0.1/x");
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("esand refused:"));
  ASSERT_TRUE(tui.WaitFor("http://HOST[:PORT][/PATH]'"));  // the parser's own words
  tui.Keys("Enter");
  tui.Keys("Escape");
  ASSERT_TRUE(tui.WaitFor("sessions 0", "esand refused"));
  EXPECT_FALSE(std::ifstream(file).good());

  // System > Add a webhook alert sink.
  tui.Keys("s");
  ASSERT_TRUE(tui.WaitFor("Add a webhook alert sink"));
  tui.Keys("k");
  ASSERT_TRUE(tui.WaitFor("URL"));
  tui.Type("hook");
  tui.Keys("Tab");
  tui.Type("127.0.0.1:" + std::to_string(hook.http_port()) + "/alerts");  // after the initial http://
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("webhook sink hook added"));
  tui.Keys("Enter");

  // System > Add an alert rule: every kind (*), least severity info, to hook.
  tui.Keys("s");
  ASSERT_TRUE(tui.WaitFor("Add an alert rule", "webhook sink hook added"));
  tui.Keys("u");
  ASSERT_TRUE(tui.WaitFor("Least severity"));
  tui.Type("everything");
  tui.Keys("Tab Tab Tab");
  tui.Type("hook");
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("alert rule everything added"));
  tui.Keys("Enter");

  std::string conf = ReadFile(file);
  for (const std::string& want : std::vector<std::string>{"SINK hook {", "type webhook", "url " + hook.webhook_url(),
                                                          "RULE everything {", "kinds *", "sinks hook"})
    EXPECT_NE(conf.find(want), std::string::npos) << want << " is not in:\n" << conf;
  // The rule routes the record of its own addition (an event after the swap).
  EXPECT_TRUE(hook.Got("alerts_changed", "1 rule(s)"));

  // System > Send a test alert reaches the listener.
  tui.Keys("s");
  ASSERT_TRUE(tui.WaitFor("Send a test alert", "alert rule everything added"));
  tui.Keys("t");
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("test alert delivered to every sink"));
  tui.Keys("Enter");
  EXPECT_TRUE(hook.Got("alert_test"));

  // The setup view lists them; removing the sink asks first, Cancel keeps it.
  tui.Keys("s");
  ASSERT_TRUE(tui.WaitFor("Alert setup: sinks and rules", "test alert delivered"));
  tui.Keys("l");
  ASSERT_TRUE(tui.WaitFor("Rules file: " + file));
  ASSERT_TRUE(tui.WaitFor(hook.webhook_url()));
  tui.Keys("Escape");
  tui.Keys("s");
  ASSERT_TRUE(tui.WaitFor("Remove an alert sink", "Rules file:"));
  tui.Keys("x");
  ASSERT_TRUE(tui.WaitFor("< hook >"));
  tui.Keys("Enter");
  ASSERT_TRUE(tui.WaitFor("[ Cancel ]"));
  ASSERT_TRUE(tui.WaitFor("Remove an alert sink (Sink: hook)?"));
  tui.Keys("Enter");  // Cancel
  ASSERT_TRUE(tui.WaitFor("sessions 0", "Confirm"));
  EXPECT_EQ(ReadFile(file), conf);
  EXPECT_TRUE(tui.Alive());
}

}  // namespace
}  // namespace esan::it
