// libmodbus's public header; pkg-config adds -I/usr/include/modbus.
#include <modbus.h>
