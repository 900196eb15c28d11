# Every dependency is a Debian 12 package installed by scripts/setup-deps.sh. Nothing is downloaded.
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(Boost 1.74 REQUIRED)          # Beast/Asio are header-only
find_package(CURL REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(RapidJSON REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(GTest REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)
pkg_check_modules(LIBSECCOMP REQUIRED IMPORTED_TARGET libseccomp)
pkg_check_modules(FUSE3 REQUIRED IMPORTED_TARGET fuse3)
if(UID2_BENCH)
  find_package(benchmark REQUIRED)
endif()

# RapidJSON's Debian config only sets a variable; give it a target.
if(NOT TARGET RapidJSON::RapidJSON)
  add_library(RapidJSON::RapidJSON INTERFACE IMPORTED)
  target_include_directories(RapidJSON::RapidJSON SYSTEM INTERFACE ${RAPIDJSON_INCLUDE_DIRS})
  target_compile_definitions(RapidJSON::RapidJSON INTERFACE RAPIDJSON_HAS_STDSTRING=1)
endif()

# libcrypto, libfuse3 and libseccomp as link dependencies that a program can take statically by
# setting its UID2_STATIC_DEPS property. shroud does: it starts on every `shroud run`, where
# loading each shared library costs milliseconds (docs/benchmarks.md), and nothing else in its
# process loads them (its libarchive uses nettle), so there is still one copy of each. Other
# programs link them shared (uid2-operator also gets libcrypto through libcurl's libssl).
# The archives come from the same Debian packages (libssl-dev, libfuse3-dev, libseccomp-dev):
# an OpenSSL security update reaches shroud when it is built again (scripts/start.sh does).
# Without them everything links shared.
find_library(UID2_CRYPTO_A NAMES libcrypto.a)
find_library(UID2_FUSE3_A NAMES libfuse3.a)
find_library(UID2_SECCOMP_A NAMES libseccomp.a)
if(UID2_CRYPTO_A AND UID2_FUSE3_A AND UID2_SECCOMP_A)
  set(UID2_STATIC_WANTED "$<BOOL:$<TARGET_PROPERTY:UID2_STATIC_DEPS>>")
else()
  set(UID2_STATIC_WANTED "0")
endif()
foreach(dep crypto fuse3 seccomp)
  add_library(uid2_dep_${dep} INTERFACE)
endforeach()
target_link_libraries(uid2_dep_crypto INTERFACE
  "$<IF:${UID2_STATIC_WANTED},${UID2_CRYPTO_A};${CMAKE_DL_LIBS};Threads::Threads,OpenSSL::Crypto>")
target_include_directories(uid2_dep_crypto SYSTEM INTERFACE ${OPENSSL_INCLUDE_DIR})
target_link_libraries(uid2_dep_fuse3 INTERFACE
  "$<IF:${UID2_STATIC_WANTED},${UID2_FUSE3_A};${CMAKE_DL_LIBS};Threads::Threads,PkgConfig::FUSE3>")
target_include_directories(uid2_dep_fuse3 SYSTEM INTERFACE ${FUSE3_INCLUDE_DIRS})
target_compile_options(uid2_dep_fuse3 INTERFACE ${FUSE3_CFLAGS_OTHER})
target_link_libraries(uid2_dep_seccomp INTERFACE
  "$<IF:${UID2_STATIC_WANTED},${UID2_SECCOMP_A},PkgConfig::LIBSECCOMP>")
target_include_directories(uid2_dep_seccomp SYSTEM INTERFACE ${LIBSECCOMP_INCLUDE_DIRS})
