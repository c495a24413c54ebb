# SPDX-License-Identifier: MIT
# What `cmake --install` puts where (GNUInstallDirs; docs/packaging.md):
#  - the SDK: libternrt.so.1 (tern::runtime), the public headers, a CMake
#    config package with a version file (find_package(tern CONFIG)) and
#    tern.pc (pkg-config tern);
#  - the udev rules of the device nodes (udev/);
#  - the user documentation;
#  - with TERN_INSTALL_DKMS_SOURCE, tern.ko's source tree and its dkms.conf
#    in <prefix>/src/tern-<version>, as DKMS expects.
# The tools and their man pages install from tools/*/CMakeLists.txt.
include(CMakePackageConfigHelpers)

option(TERN_INSTALL_DKMS_SOURCE
       "Install the kernel module's source and dkms.conf to <prefix>/src/tern-<version>" OFF)
# -DTERN_INSTALL_CMAKEDIR=DIR: where the CMake config package goes
# (default: <libdir>/cmake/tern, following the prefix's libdir).
if(NOT TERN_INSTALL_CMAKEDIR)
  set(TERN_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/tern)
endif()
# -DTERN_UDEV_RULES_DIR=DIR: where the udev rules go. udev reads fixed
# directories (/usr/lib/udev/rules.d, /lib/... on Debian 12, /etc/...), so
# with a prefix other than /usr the default is not seen by udev.
if(NOT TERN_UDEV_RULES_DIR)
  set(TERN_UDEV_RULES_DIR ${CMAKE_INSTALL_PREFIX}/lib/udev/rules.d)
endif()

# ---- the SDK ------------------------------------------------------------
# In the tree and installed, consumers link the same name: tern::runtime.
set_target_properties(ternrt PROPERTIES EXPORT_NAME runtime)
install(TARGETS ternrt EXPORT tern-targets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    COMPONENT runtime NAMELINK_COMPONENT devel
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# The C ABI (tern/tern*.h) and its C++ wrappers (tern/tern*.hpp), and the
# hardware-interface headers that hand-written programs are encoded with
# (tern/hw/tern_isa.h). Not installed: model_builder.hpp, whose static
# library and internal headers are not part of the SDK yet (docs/packaging.md).
file(GLOB TERN_PUBLIC_HEADERS CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/include/tern/tern*.h ${PROJECT_SOURCE_DIR}/include/tern/tern*.hpp)
install(FILES ${TERN_PUBLIC_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tern COMPONENT devel)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tern/hw/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tern/hw COMPONENT devel
  FILES_MATCHING PATTERN "*.h")

install(EXPORT tern-targets NAMESPACE tern:: FILE tern-targets.cmake
  DESTINATION ${TERN_INSTALL_CMAKEDIR} COMPONENT devel)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/tern-config.cmake.in
  ${PROJECT_BINARY_DIR}/tern-config.cmake
  INSTALL_DESTINATION ${TERN_INSTALL_CMAKEDIR})
# 0.x releases are all compatible with each other, 1.x with 1.y, and so on.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tern-config-version.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tern-config.cmake
              ${PROJECT_BINARY_DIR}/tern-config-version.cmake
  DESTINATION ${TERN_INSTALL_CMAKEDIR} COMPONENT devel)

# pkg-config: paths relative to ${prefix} where GNUInstallDirs gave them so.
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(TERN_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(TERN_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/tern.pc.in ${PROJECT_BINARY_DIR}/tern.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/tern.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT devel)

# ---- udev rules and documentation ------------------------------------------
install(FILES ${PROJECT_SOURCE_DIR}/udev/70-tern.rules
  DESTINATION ${TERN_UDEV_RULES_DIR} COMPONENT runtime)
install(FILES
    ${PROJECT_SOURCE_DIR}/README.md
    ${PROJECT_SOURCE_DIR}/docs/runtime-api.md
    ${PROJECT_SOURCE_DIR}/docs/model-format.md
    ${PROJECT_SOURCE_DIR}/docs/tern-smi.md
    ${PROJECT_SOURCE_DIR}/docs/cli-json-schema.md
    ${PROJECT_SOURCE_DIR}/docs/emulator.md
    ${PROJECT_SOURCE_DIR}/docs/packaging.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT doc)

# ---- DKMS source tree ----------------------------------------------------
# The repository's layout in miniature: kernel/ (Kbuild, sources, the feature
# probe) next to the include/ that Kbuild adds with -I$(src)/../include.
if(TERN_INSTALL_DKMS_SOURCE)
  set(TERN_DKMS_DIR ${CMAKE_INSTALL_PREFIX}/src/tern-${PROJECT_VERSION})
  configure_file(${PROJECT_SOURCE_DIR}/packaging/dkms/dkms.conf.in
                 ${PROJECT_BINARY_DIR}/dkms.conf @ONLY)
  # tern_*: never an in-tree build's tern.mod.c or generated/ headers.
  file(GLOB TERN_KERNEL_SOURCES CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/kernel/tern_*.c ${PROJECT_SOURCE_DIR}/kernel/tern_*.h)
  install(FILES ${PROJECT_BINARY_DIR}/dkms.conf DESTINATION ${TERN_DKMS_DIR} COMPONENT dkms)
  # AppStream: the PCI IDs the driver is for, so that software centres and
  # isenkram can offer the package when such a card is present.
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/dkms/tern-dkms.metainfo.xml
    DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo COMPONENT dkms)
  install(FILES ${TERN_KERNEL_SOURCES} ${PROJECT_SOURCE_DIR}/kernel/Kbuild
                ${PROJECT_SOURCE_DIR}/kernel/Makefile
    DESTINATION ${TERN_DKMS_DIR}/kernel COMPONENT dkms)
  install(PROGRAMS ${PROJECT_SOURCE_DIR}/kernel/scripts/probe.sh
    DESTINATION ${TERN_DKMS_DIR}/kernel/scripts COMPONENT dkms)
  install(FILES ${PROJECT_SOURCE_DIR}/include/uapi/drm/tern_accel.h
    DESTINATION ${TERN_DKMS_DIR}/include/uapi/drm COMPONENT dkms)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tern/hw/
    DESTINATION ${TERN_DKMS_DIR}/include/tern/hw COMPONENT dkms
    FILES_MATCHING PATTERN "*.h")
endif()
