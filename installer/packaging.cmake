# What `make install` and the Debian package put where (under CMAKE_INSTALL_PREFIX, /usr in the .deb).
include(GNUInstallDirs)
install(TARGETS sparsescope RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/projects/ DESTINATION ${CMAKE_INSTALL_DATADIR}/sparsescope/projects
  FILES_MATCHING PATTERN "*.json")
# Debian installs manuals compressed; -n keeps the timestamp out so the package builds reproducibly.
set(man_page_gz ${CMAKE_BINARY_DIR}/sparsescope.1.gz)
add_custom_command(OUTPUT ${man_page_gz}
  COMMAND gzip -9 -n -c ${CMAKE_CURRENT_LIST_DIR}/sparsescope.1 > ${man_page_gz}
  DEPENDS ${CMAKE_CURRENT_LIST_DIR}/sparsescope.1 VERBATIM)
add_custom_target(man_page ALL DEPENDS ${man_page_gz})
install(FILES ${man_page_gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
if(SPARSESCOPE_BUILD_GUI)
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/sparsescope.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/sparsescope-mime.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/mime/packages
    RENAME sparsescope.xml)
  install(DIRECTORY ${CMAKE_SOURCE_DIR}/resources/icons/hicolor DESTINATION ${CMAKE_INSTALL_DATADIR}/icons)
endif()

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "sparsescope")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "SparseScope developers <dev@sparsescope.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Explore sparse neural-network training (MEST and peers)")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "SparseScope trains sparse neural networks (static, SET, RigL, gradual magnitude pruning, MEST with\n"
  "Elastic Mutation and the Soft Memory Bound) on real data with truly sparse kernels, records every run\n"
  "in a SQLite store, and shows masks, memory and forgettable examples in a Qt desktop explorer.\n"
  "The sparsescope command also trains, resumes, lists, exports and benchmarks headless.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
# Depends: dpkg-shlibdeps reads the libraries the binary links (Qt 6, QCustomPlot, SQLite, zlib, GOMP,
# libstdc++) and names their Debian 12 packages with the versions built against, so the list cannot
# drift from the build.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The Fashion-MNIST files most example projects read (the spirals example needs none), and the packages
# whose dpkg triggers make the menu entry open project files and theme the icon (shared-mime-info,
# which registers the MIME type, already comes with Qt).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "dataset-fashion-mnist, desktop-file-utils, hicolor-icon-theme")

# A package must run on any x86-64: refuse to pack a build tuned with -march=native.
set(CPACK_SPARSESCOPE_NATIVE ${SPARSESCOPE_NATIVE})
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_CURRENT_LIST_DIR}/cpack-refuse-native.cmake)
include(CPack)
