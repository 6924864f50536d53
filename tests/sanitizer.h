// Whether the tests run under AddressSanitizer, for the few that repeat less there.
#ifndef TRAWL_TESTS_SANITIZER_H_
#define TRAWL_TESTS_SANITIZER_H_

// gcc says __SANITIZE_ADDRESS__; clang 14 only answers __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define TRAWL_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TRAWL_TEST_UNDER_ASAN 1
#endif
#endif

namespace trawl {

// A sanitized run costs several times a Release run per repetition and finds memory errors on
// the code paths the repetitions reach, which fewer of them reach as well; the Release build
// runs all of them for the answers.
#if defined(TRAWL_TEST_UNDER_ASAN)
inline constexpr bool kUnderAsan = true;
#else
inline constexpr bool kUnderAsan = false;
#endif

}  // namespace trawl

#endif  // TRAWL_TESTS_SANITIZER_H_
