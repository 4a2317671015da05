// libmosquitto (Debian's libmosquitto-dev): the client API and MQTT 5 property ids.
#include <mosquitto.h>
#include <mqtt_protocol.h>
