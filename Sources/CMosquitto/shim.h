#ifndef MASH_CMOSQUITTO_SHIM_H
#define MASH_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#include <mqtt_protocol.h>
#endif
