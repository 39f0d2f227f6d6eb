// A small command-line parser for the petal subcommands: --name VALUE,
// --name=VALUE, boolean --flags, positional arguments, generated --help.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace petal::cli {

// A usage mistake: printed as one line, exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string str(const std::string& name) const;
  std::optional<std::string> opt(const std::string& name) const;
  long long integer(const std::string& name) const;
  double number(const std::string& name) const;
  bool flag(const std::string& name) const { return has(name); }
  const std::vector<std::string>& positional() const { return positional_; }
  // Options given explicitly on the command line, in order (for config-file overrides).
  const std::vector<std::pair<std::string, std::string>>& given() const { return given_; }

 private:
  friend class ArgParser;
  std::map<std::string, std::string> values_;  // with defaults
  std::vector<std::pair<std::string, std::string>> given_;
  std::vector<std::string> positional_;
};

class ArgParser {
 public:
  ArgParser(std::string command, std::string usage, std::string description);
  // An option taking a value; default_value empty = no default.
  ArgParser& option(const std::string& name, const std::string& help, const std::string& default_value = "",
                    const std::string& metavar = "VALUE");
  // A boolean switch: --name gives "1"; with `allow_value`, --name=VALUE is
  // accepted too (e.g. --nesterov=false) and the value is kept as given.
  ArgParser& flag(const std::string& name, const std::string& help, bool allow_value = false);
  // many: the last positional takes any number of arguments, zero included.
  ArgParser& positional(const std::string& name, const std::string& help, bool many = false);
  // Throws UsageError on unknown flags, missing values or missing positionals.
  // Returns nullopt when --help was asked for (help already printed).
  std::optional<Args> parse(const std::vector<std::string>& argv) const;
  std::string help() const;

 private:
  struct Spec {
    std::string name, help, default_value;
    bool takes_value;
    bool allow_value = false;
    std::string metavar = "VALUE";
  };
  const Spec* find(const std::string& name) const;
  std::string command_, usage_, description_;
  std::vector<Spec> specs_;
  std::vector<std::pair<std::string, std::string>> positionals_;
  bool many_ = false;
};

}  // namespace petal::cli
