// The QueryLimits flags (cli/search_options.h) as Boost.Program_options options, for the two
// programs; a header of its own so that the other users of cli/ (the Python module) need no
// Boost.
#ifndef TRAWL_CLI_LIMIT_OPTIONS_H_
#define TRAWL_CLI_LIMIT_OPTIONS_H_

#include <boost/program_options.hpp>
#include <string>

#include "cli/search_options.h"
#include "trawl/query.h"

namespace trawl::cli {

// Adds --max-depth, --max-clauses, ... to `options`, each writing into *limits (which must
// outlive the parse) with its current value as the default; with `request_limits` false, not
// those that QueryLimitFlag::request_limit marks. Values are checked by CheckQueryLimits after
// the parse (a negative one reads as a huge number and is refused there).
inline void AddQueryLimitOptions(boost::program_options::options_description* options,
                                 QueryLimits* limits, bool request_limits) {
  namespace po = boost::program_options;
  for (const QueryLimitFlag& flag : QueryLimitFlags()) {
    if (flag.request_limit && !request_limits) continue;
    size_t* value = &(limits->*flag.member);
    options->add_options()(flag.name, po::value(value)->value_name("N")->default_value(*value),
                           flag.help);
  }
}

}  // namespace trawl::cli

#endif  // TRAWL_CLI_LIMIT_OPTIONS_H_
