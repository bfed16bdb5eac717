include(CMakePackageConfigHelpers)
install(TARGETS reins EXPORT reinsTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/reins DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT reinsTargets NAMESPACE reins:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/reins)
configure_package_config_file(cmake/reinsConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/reinsConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/reins)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/reinsConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/reinsConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/reinsConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/reins)
configure_file(cmake/reins.pc.in ${CMAKE_CURRENT_BINARY_DIR}/reins.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/reins.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(REINS_CLI)
  install(TARGETS reins-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# Debian package: `cpack -G DEB` in a release build dir (scripts/package.sh).
set(CPACK_PACKAGE_NAME reins)
set(CPACK_PACKAGE_VENDOR "reins")
set(CPACK_PACKAGE_CONTACT "reins maintainers <reins@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Put Linux processes under resource control (jobs, memory guard, init)")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6 (>= 2.36)")
# loaded (dlopen) by reins-systemd-scope when reins asks systemd for a scope; not linked, so not a Depends
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libsystemd0")
set(CPACK_GENERATOR DEB)
include(CPack)
