// Searcher.search()'s keyword arguments as SearchOptions. They are trawl-search's long options
// with '-' as '_' and the same value syntax (sort "FIELD[:asc|desc]", facet "FIELD[:N]",
// facet_range "FIELD:INTERVAL", field_weight "FIELD=W"), where a repeatable option takes a str
// or a list of them; searcher/trawl_search_main.cc is the model.
#ifndef TRAWL_PYTHON_SEARCH_OPTIONS_H_
#define TRAWL_PYTHON_SEARCH_OPTIONS_H_

#include <pybind11/pybind11.h>

#include <cstdint>

#include "trawl/searcher.h"

namespace trawl::python {

// top, offset and the keyword arguments of search() into *options. Throws TypeError for an
// unknown keyword or a value of the wrong type, StatusError (InvalidArgument) for a value out
// of range or a malformed spec. Needs the GIL.
void SearchOptionsFromArgs(int64_t top, int64_t offset, const pybind11::kwargs& kwargs,
                           SearchOptions* options);

// count()'s keyword arguments, `filter` and `plain`, into *options (with count_only set).
void CountOptionsFromArgs(const pybind11::kwargs& kwargs, SearchOptions* options);

}  // namespace trawl::python

#endif  // TRAWL_PYTHON_SEARCH_OPTIONS_H_
