# Installs the CMake package (lib/cmake/onnxc), the pkg-config file and sets up CPack's Debian package.
include(CMakePackageConfigHelpers)
set(ONNXC_CMAKE_DIR lib/cmake/onnxc)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/onnxcConfig.cmake.in
  ${CMAKE_BINARY_DIR}/onnxcConfig.cmake INSTALL_DESTINATION ${ONNXC_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/onnxcConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/onnxcConfig.cmake ${CMAKE_BINARY_DIR}/onnxcConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/onnxcAddModel.cmake
        DESTINATION ${ONNXC_CMAKE_DIR})
# pkg-config for the host shim, relocatable (its prefix is found from its own folder).
configure_file(${CMAKE_CURRENT_LIST_DIR}/onnxc.pc.in ${CMAKE_BINARY_DIR}/onnxc.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/onnxc.pc DESTINATION lib/pkgconfig)

# `cpack -G DEB` in the build tree: onnxc_<version>_amd64.deb installing under /usr.
set(CPACK_PACKAGE_NAME onnxc)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "onnxc maintainers <onnxc@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Ahead-of-time compiler for ONNX models (x86-64, AArch64, Cortex-M, CUDA)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE amd64)
# The compiler's shared libraries: LLVM and MLIR 22, protobuf and ONNX's proto library.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libllvm22, libmlir-22, libprotobuf32, libonnx1")
set(CPACK_GENERATOR DEB)
include(CPack)
