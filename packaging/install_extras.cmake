# Runs at install time (cmake --install, cpack), when CMAKE_INSTALL_PREFIX is
# the prefix the files are for: the systemd unit names the installed esand
# and the configuration directory, which is /etc for the /usr prefix (as in
# the .deb) and PREFIX/etc otherwise. file(INSTALL) honours DESTDIR.
# Needs ESAN_PACKAGING_DIR (this folder) and ESAN_PACKAGING_BINARY_DIR.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(ESAN_CONFDIR "/etc/esan")
else()
  set(ESAN_CONFDIR "${CMAKE_INSTALL_PREFIX}/etc/esan")
endif()
set(ESAN_SBINDIR "${CMAKE_INSTALL_PREFIX}/sbin")

configure_file("${ESAN_PACKAGING_DIR}/esand.service.in" "${ESAN_PACKAGING_BINARY_DIR}/esand.service" @ONLY)
file(INSTALL "${ESAN_PACKAGING_BINARY_DIR}/esand.service"
     DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")

# Never overwrite a configuration the admin (or esand's write-back) changed.
if(EXISTS "$ENV{DESTDIR}${ESAN_CONFDIR}/esan.conf")
  message(STATUS "Keeping existing: $ENV{DESTDIR}${ESAN_CONFDIR}/esan.conf")
else()
  file(INSTALL "${ESAN_PACKAGING_DIR}/esan.conf" DESTINATION "${ESAN_CONFDIR}")
endif()
