# Install rules and the Debian package: what a C or C++ project needs to build against the
# SDK (wzp.h, libwzp.so with its SONAME and dev symlink, wzp.pc, the wzp CMake package with the
# imported target wzp::wzp) and the example daemons. Included from the top-level CMakeLists.
include(CMakePackageConfigHelpers)

set(WZP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/wzp)

install(TARGETS wzp EXPORT wzpTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/wzp.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT wzpTargets NAMESPACE wzp:: DESTINATION ${WZP_CMAKE_DIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/wzpConfig.cmake.in
  ${PROJECT_BINARY_DIR}/wzpConfig.cmake INSTALL_DESTINATION ${WZP_CMAKE_DIR})
# SameMajorVersion follows the SONAME: 0.x releases only add to the ABI.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/wzpConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/wzpConfig.cmake ${PROJECT_BINARY_DIR}/wzpConfigVersion.cmake
  DESTINATION ${WZP_CMAKE_DIR})

# wzp.pc is written at install time so that `cmake --install --prefix DIR` (and DESTDIR) get
# the prefix they install into, not the one configured.
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(WZP_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(WZP_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
install(CODE "
  set(WZP_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  set(WZP_PC_LIBDIR [[${WZP_PC_LIBDIR}]])
  set(WZP_PC_INCLUDEDIR [[${WZP_PC_INCLUDEDIR}]])
  set(PROJECT_VERSION ${PROJECT_VERSION})
  configure_file([[${CMAKE_CURRENT_LIST_DIR}/wzp.pc.in]] [[${PROJECT_BINARY_DIR}/wzp.pc]] @ONLY)
")
install(FILES ${PROJECT_BINARY_DIR}/wzp.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

if(WZP_BUILD_EXAMPLES)
  install(TARGETS wzp-relay wzp-call RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# `cpack -G DEB`: one package with the library, its development files and the daemons;
# dpkg-shlibdeps computes the runtime dependencies (libsodium, ngtcp2, GnuTLS, curl, libstdc++).
set(CPACK_PACKAGE_NAME libwzp)
set(CPACK_PACKAGE_VENDOR "libwzp")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "WarzonePhone (WZP) voice protocol SDK: C library, header, relay and call daemons")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGE_CONTACT "libwzp maintainers <libwzp@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_GENERATOR DEB)
include(CPack)
