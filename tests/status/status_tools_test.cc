// What a user sees of a running program from outside it, with the real example binary
// under local_mp: the progress line and exit summary on a terminal (and neither through a
// pipe), the lp_status tool and --lp_status, and the status page in a real browser
// (headless Chromium), which saves a screenshot under the build directory.
#include <sys/wait.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/support/child_process.h"

namespace lp::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kGenerous = absl::Seconds(120);

std::string Example() { return BuildDir() + "/examples/consumer_producers"; }

// The exit code of a child that ended, or -1.
int ExitCode(ChildProcess& child) {
  const std::optional<int> status = child.WaitForExit(kGenerous);
  if (!status.has_value() || !WIFEXITED(*status)) return -1;
  return WEXITSTATUS(*status);
}

TEST(TerminalProgressTest, ATerminalShowsProgressWhileNodesStartAndASummaryAtExit) {
  ChildProcess program({Example(), "--lp_launch_type=local_mp", "--lp_status_port=-1"}, {},
                       ChildProcess::Output::kTerminal);
  EXPECT_EQ(ExitCode(program), 0) << program.output();
  EXPECT_THAT(program.output(), HasSubstr("lp: program 'consumer_producers': 0/5 nodes registered"));
  EXPECT_THAT(program.output(),
              AllOf(HasSubstr("lp: program 'consumer_producers' ran "),
                    HasSubstr("s: producer 4 exited; consumer 1 exited")));
}

TEST(TerminalProgressTest, APipeGetsNeitherTheProgressNorTheSummary) {
  ChildProcess program({Example(), "--lp_launch_type=local_mp", "--lp_status_port=-1"});
  EXPECT_EQ(ExitCode(program), 0) << program.output();
  EXPECT_THAT(program.output(), HasSubstr("all 4 producers answered"));
  EXPECT_THAT(program.output(), AllOf(Not(HasSubstr("nodes registered")), Not(HasSubstr(" ran "))));
}

// A consumer_producers that stays up, and its status page's address.
class RunningProgram {
 public:
  RunningProgram()
      : program_({Example(), "--lp_launch_type=local_mp", "--keep_running"}) {
    url_ = program_.WaitForMatch("status of program 'consumer_producers': (http://[0-9.:]+/)",
                                 kGenerous);
    // Every producer answered: every node runs.
    ready_ = !url_.empty() && program_.WaitForOutput("keeping the program up", kGenerous);
  }
  ~RunningProgram() {
    program_.Signal(SIGINT);
    const std::optional<int> status = program_.WaitForExit(kGenerous);
    EXPECT_TRUE(status.has_value() && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
        << program_.output();
  }

  bool ready() const { return ready_; }
  const std::string& url() const { return url_; }
  const std::string& output() const { return program_.output(); }

 private:
  ChildProcess program_;
  std::string url_;
  bool ready_ = false;
};

TEST(StatusToolTest, LpStatusAndTheFlagPrintTheNodesOfARunningProgram) {
  RunningProgram running;
  ASSERT_TRUE(running.ready()) << running.output();
  const std::string address = running.url().substr(std::string("http://").size());

  ChildProcess tool({BuildDir() + "/tools/lp_status", address});
  EXPECT_EQ(ExitCode(tool), 0) << tool.output();
  EXPECT_THAT(tool.output(), AllOf(HasSubstr("program 'consumer_producers' (local_mp)"),
                                   HasSubstr("producer/3"), HasSubstr("consumer/0"),
                                   HasSubstr("running")));

  ChildProcess flag({Example(), "--lp_status=" + running.url()});
  EXPECT_EQ(ExitCode(flag), 0) << flag.output();
  EXPECT_THAT(flag.output(), AllOf(HasSubstr("producer/0"), HasSubstr("running")));
}

TEST(StatusToolTest, NothingThereIsAClearErrorAndALaunchErrorCode) {
  ChildProcess tool({BuildDir() + "/tools/lp_status", "127.0.0.1:1"});
  EXPECT_EQ(ExitCode(tool), 2) << tool.output();
  EXPECT_THAT(tool.output(), HasSubstr("no Launchpad status server answers at http://127.0.0.1:1"));
}

// Debian's chromium, as CI installs it (scripts/install_deps.sh).
std::string Chromium() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (std::filesystem::exists(path)) return path;
  }
  return "";
}

std::vector<std::string> HeadlessChromium(std::vector<std::string> args) {
  std::vector<std::string> argv = {Chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                                   "--disable-dev-shm-usage", "--no-first-run",
                                   // Lets the page's script fetch and render before the
                                   // DOM is dumped or the screenshot taken.
                                   "--virtual-time-budget=5000"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

TEST(StatusPageBrowserTest, ChromiumRendersARowPerNodeAndSavesAScreenshot) {
  ASSERT_FALSE(Chromium().empty())
      << "this test opens the status page in Debian's chromium: install it "
         "(scripts/install_deps.sh installs it)";
  RunningProgram running;
  ASSERT_TRUE(running.ready()) << running.output();
  const std::string profile = absl::StrCat(BuildDir(), "/tests/status/chromium_profile");

  ChildProcess dom(HeadlessChromium({"--user-data-dir=" + profile, "--dump-dom", running.url()}));
  EXPECT_EQ(ExitCode(dom), 0) << dom.output();
  // The rows the page's script built from /api/nodes.
  for (const std::string id : {"producer/0", "producer/1", "producer/2", "producer/3",
                               "consumer/0"}) {
    EXPECT_THAT(dom.output(), HasSubstr(absl::StrCat("<tr id=\"node-", id, "\" class=\"node running\">")))
        << dom.output();
  }
  EXPECT_THAT(dom.output(), HasSubstr("Program 'consumer_producers' (local_mp)"));
  // The graph, drawn by Graphviz, its boxes filled with the running colour.
  EXPECT_THAT(dom.output(), HasSubstr("id=\"graph_consumer/0\""));
  EXPECT_THAT(dom.output(), HasSubstr("fill=\"#9fe09f\""));

  const std::string screenshot = BuildDir() + "/status_page.png";
  std::filesystem::remove(screenshot);
  ChildProcess shot(HeadlessChromium({"--user-data-dir=" + profile, "--window-size=1280,1000",
                                      "--screenshot=" + screenshot, running.url()}));
  EXPECT_EQ(ExitCode(shot), 0) << shot.output();
  std::ifstream png(screenshot, std::ios::binary);
  std::string magic(8, '\0');
  ASSERT_TRUE(png.read(magic.data(), 8)) << "no screenshot at " << screenshot;
  EXPECT_EQ(magic, "\x89PNG\r\n\x1a\n");
  EXPECT_GT(std::filesystem::file_size(screenshot), 10000u);
}

}  // namespace
}  // namespace lp::testing
