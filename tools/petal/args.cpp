// Command-line parsing for the petal tool.
#include "args.h"

#include <cmath>
#include <iostream>
#include <sstream>

namespace petal::cli {

std::string Args::str(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw UsageError("missing required option --" + name);
  return it->second;
}

std::optional<std::string> Args::opt(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

long long Args::integer(const std::string& name) const {
  const std::string v = str(name);
  size_t used = 0;
  long long out = 0;
  try {
    out = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || v.empty()) throw UsageError("--" + name + ": expected an integer; received '" + v + "'");
  return out;
}

double Args::number(const std::string& name) const {
  const std::string v = str(name);
  size_t used = 0;
  double out = 0;
  try {
    out = std::stod(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || v.empty() || !std::isfinite(out)) {
    throw UsageError("--" + name + ": expected a number; received '" + v + "'");
  }
  return out;
}

ArgParser::ArgParser(std::string command, std::string usage, std::string description)
    : command_(std::move(command)), usage_(std::move(usage)), description_(std::move(description)) {}

ArgParser& ArgParser::option(const std::string& name, const std::string& help, const std::string& def,
                             const std::string& metavar) {
  specs_.push_back({name, help, def, true, false, metavar});
  return *this;
}

ArgParser& ArgParser::flag(const std::string& name, const std::string& help, bool allow_value) {
  specs_.push_back({name, help, "", false, allow_value});
  return *this;
}

ArgParser& ArgParser::positional(const std::string& name, const std::string& help, bool many) {
  positionals_.emplace_back(name, help);
  many_ = many;
  return *this;
}

const ArgParser::Spec* ArgParser::find(const std::string& name) const {
  for (const Spec& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::optional<Args> ArgParser::parse(const std::vector<std::string>& argv) const {
  Args a;
  for (const Spec& s : specs_) {
    if (s.takes_value && !s.default_value.empty()) a.values_[s.name] = s.default_value;
  }
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << help();
      return std::nullopt;
    }
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      a.positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2), value;
    const auto eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const Spec* s = find(name);
    if (!s) throw UsageError("petal " + command_ + ": unknown option --" + name + " (see petal " + command_ + " --help)");
    if (s->takes_value && !inline_value) {
      if (i + 1 >= argv.size()) throw UsageError("petal " + command_ + ": option --" + name + " needs a value");
      value = argv[++i];
    }
    if (!s->takes_value) {
      if (inline_value && !s->allow_value) throw UsageError("petal " + command_ + ": option --" + name + " takes no value");
      if (!inline_value) value = "1";
    }
    a.values_[name] = value;
    a.given_.emplace_back(name, value);
  }
  // A trailing "many" positional may be empty; the command checks what it needs.
  const size_t required = positionals_.size() - (many_ && !positionals_.empty() ? 1 : 0);
  if (a.positional_.size() < required) {
    throw UsageError("petal " + command_ + ": missing " + positionals_[a.positional_.size()].first +
                     " (usage: " + usage_ + ")");
  }
  if (!many_ && a.positional_.size() > positionals_.size()) {
    throw UsageError("petal " + command_ + ": unexpected argument '" + a.positional_[positionals_.size()] + "'");
  }
  return a;
}

std::string ArgParser::help() const {
  std::ostringstream s;
  s << "usage: " << usage_ << "\n\n" << description_ << "\n";
  if (!positionals_.empty()) {
    s << "\narguments:\n";
    for (const auto& [n, h] : positionals_) s << "  " << n << std::string(n.size() < 30 ? 30 - n.size() : 1, ' ') << h << "\n";
  }
  s << "\noptions:\n";
  for (const Spec& sp : specs_) {
    std::string left = "--" + sp.name + (sp.takes_value ? " " + sp.metavar : "");
    s << "  " << left << std::string(left.size() < 30 ? 30 - left.size() : 1, ' ') << sp.help;
    if (!sp.default_value.empty()) s << " (default " << sp.default_value << ")";
    s << "\n";
  }
  s << "  --help" << std::string(24, ' ') << "show this help\n";
  return s.str();
}

}  // namespace petal::cli
