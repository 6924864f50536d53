/* <trawl/c.h> must compile as C99 with -pedantic (c_api_test checks C11, capi/c.cc C++20):
 * bindings generators and older C compilers read it so. Compiled, never run. */
#include <trawl/c.h>

int trawl_c_api_header_c99_check(void);
int trawl_c_api_header_c99_check(void) {
  trawl_status_t status = TRAWL_OK;
  trawl_value_kind_t kind = TRAWL_KIND_DATE;
  return (int)status + (int)kind + (TRAWL_VERSION_NUMBER > 0);
}
