// SPDX-License-Identifier: MIT
// The man page and the bash completion that ship with tern-smi: the page
// renders without warnings and documents every command and exit code; the
// completion offers the commands, their options and the devices tern-smi
// sees.
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "cli_test_util.hpp"

namespace tern_test {
namespace {

const std::string kDir = TERN_SMI_SOURCE_DIR;
const char* const kCommands[] = {"list",      "info",      "health", "telemetry", "top",
                                 "processes", "partition", "reset",  "version"};

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(CliManPage, RendersWithoutWarnings) {
    if (access("/usr/bin/groff", X_OK) != 0)
        GTEST_SKIP() << "groff is not installed";
    RunResult r = run({"/usr/bin/groff", "-man", "-ww", "-z", kDir + "/tern-smi.1"}, {});
    EXPECT_EXIT_CODE(0, r);
    EXPECT_EQ("", r.err);
}

TEST(CliManPage, DocumentsEveryCommandAndExitCode) {
    const std::string page = slurp(kDir + "/tern-smi.1");
    ASSERT_FALSE(page.empty());
    for (const char* c : kCommands)
        EXPECT_TRUE(contains(page, std::string(".B ") + c) ||
                    contains(page, std::string(".B tern-smi ") + c))
            << c;
    for (int code = 0; code <= 10; ++code)
        EXPECT_TRUE(contains(page, ".B " + std::to_string(code) + "\n")) << code;
    for (const char* opt :
         {"\\-\\-json", "\\-\\-device", "\\-\\-interval\\-ms", "\\-\\-count", "\\-\\-timeout\\-ms",
          "\\-\\-backend", "\\-\\-profile", "\\-\\-vf", "\\-\\-pf\\-reserve", "\\-\\-dry\\-run"})
        EXPECT_TRUE(contains(page, opt)) << opt;
}

// COMPREPLY for the words typed so far (the last one is being completed).
std::vector<std::string> complete(const std::vector<std::string>& words) {
    std::string script = "source '" + kDir + "/tern-smi.bash-completion'; COMP_WORDS=(";
    for (const std::string& w : words)
        script += "'" + w + "' ";
    script += "); COMP_CWORD=" + std::to_string(words.size() - 1) +
              "; _tern_smi; printf '%s\\n' \"${COMPREPLY[@]}\"";
    EnvChanges env = mock_env();
    const std::string smi = TERN_SMI_PATH;
    env["PATH"] = smi.substr(0, smi.rfind('/')) + ":/usr/bin:/bin";
    RunResult r = run({"/bin/bash", "--norc", "--noprofile", "-c", script}, env);
    EXPECT_EXIT_CODE(0, r);
    std::vector<std::string> out;
    std::stringstream lines(r.out);
    for (std::string l; std::getline(lines, l);)
        if (!l.empty())
            out.push_back(l);
    std::sort(out.begin(), out.end());
    return out;
}

TEST(CliCompletion, Commands) {
    EXPECT_EQ((std::vector<std::string>{"telemetry", "top"}), complete({"tern-smi", "t"}));
    std::vector<std::string> all = complete({"tern-smi", ""});
    for (const char* c : kCommands)
        EXPECT_NE(all.end(), std::find(all.begin(), all.end(), c)) << c;
}

TEST(CliCompletion, OptionsOfACommand) {
    EXPECT_EQ((std::vector<std::string>{"--interval-ms"}),
              complete({"tern-smi", "telemetry", "--i"}));
    EXPECT_EQ((std::vector<std::string>{"--timeout-ms"}), complete({"tern-smi", "reset", "--t"}));
    EXPECT_EQ((std::vector<std::string>{"create", "destroy", "list"}),
              complete({"tern-smi", "partition", ""}));
    EXPECT_EQ((std::vector<std::string>{"kernel", "mock"}),
              complete({"tern-smi", "--backend", ""}));
    EXPECT_EQ((std::vector<std::string>{"--pf-reserve", "--profile"}),
              complete({"tern-smi", "partition", "create", "--p"}));
    EXPECT_EQ((std::vector<std::string>{"1way", "2way", "4way", "8way"}),
              complete({"tern-smi", "partition", "create", "--profile", ""}));
    EXPECT_EQ((std::vector<std::string>{"--timeout-ms"}),
              complete({"tern-smi", "partition", "destroy", "--t"}));
    EXPECT_EQ((std::vector<std::string>{"--pf-reserve"}),
              complete({"tern-smi", "partition", "list", "--p"}));
}

TEST(CliCompletion, DevicesFromTernSmi) {
    EXPECT_EQ(
        (std::vector<std::string>{"0", "0000:01:00.0", "0000:02:00.0", "1", "mock:0", "mock:1"}),
        complete({"tern-smi", "info", "-d", ""}));
}

}  // namespace
}  // namespace tern_test
