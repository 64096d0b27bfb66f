/* A module built for another ABI: tandemd must refuse it by name. */
#include "config.h"
#include <tandem/tandem.h>

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI + 100,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = "badabi",
};
