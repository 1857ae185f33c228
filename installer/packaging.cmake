install(TARGETS sparsescope RUNTIME DESTINATION bin)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/projects/ DESTINATION share/sparsescope/projects FILES_MATCHING PATTERN "*.json")

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "sparsescope")
set(CPACK_PACKAGE_CONTACT "SparseScope developers <dev@sparsescope.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Explore sparse neural-network training (MEST and peers)")
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "libqt6widgets6, libqt6printsupport6, libqcustomplot2.1-qt6, libsqlite3-0, zlib1g, libgomp1")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "dataset-fashion-mnist")
include(CPack)
