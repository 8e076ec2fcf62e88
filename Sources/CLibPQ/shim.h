#ifndef MASH_CLIBPQ_SHIM_H
#define MASH_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
