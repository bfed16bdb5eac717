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
