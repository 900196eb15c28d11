// runtime_options.h: how `shroud run` treats each sys.* and loader.* option Gramine v1.9
// documents (python/graminelibos/manifest_check.py of that release; manifest-syntax.rst).
//
// This list is the one place the statuses live: `shroud manifest check` warns from it, `shroud
// run` refuses from it (run_spec.cc), and the table in docs/runtime.md ("sys.* and loader.*
// options") must list the same keys with the same statuses (tests/manifest/runtime_options_test).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "manifest/value.h"

namespace uid2::manifest {

enum class RuntimeSupport {
  kEnforced,  // shroud run applies it as Gramine does (a test per option in tests/runtime)
  kNoEffect,  // accepted; nothing to apply outside Gramine (`note` says why)
  kRefused,   // shroud run refuses a manifest that sets it (to a non-default value)
};

struct RuntimeOption {
  std::string_view key;  // dotted, as documented ("loader.env.*": any variable)
  RuntimeSupport support;
  std::string_view note;  // how it is enforced, or why it has no effect / is refused
};

// RuntimeOptions lists every documented sys.* and loader.* option, in documentation order.
const std::vector<RuntimeOption>& RuntimeOptions();

// FindRuntimeOption returns the entry for a dotted key (a loader.env.NAME matches
// "loader.env.*"), or nullptr.
const RuntimeOption* FindRuntimeOption(std::string_view dotted);

std::string_view SupportName(RuntimeSupport s);

// RefusedOption is a refused option a manifest sets to something else than its default (false,
// an empty list), or an entry of an enforced option that cannot be applied (a
// sys.debug__mock_syscalls entry with a positive return): `shroud run` refuses the manifest,
// `shroud manifest check` warns.
struct RefusedOption {
  std::string key;
  const Value* value;
  std::string_view note;
};
std::vector<RefusedOption> RefusedOptionsIn(
    const Value& root);  // "enforced", "no effect", "refused"

}  // namespace uid2::manifest
