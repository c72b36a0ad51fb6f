package rootfs

import (
	"time"

	// The tz database, so that ValidTimezone works on a machine without
	// /usr/share/zoneinfo (Go looks in $ZONEINFO, then the system's
	// zoneinfo, then this embedded copy).
	_ "time/tzdata"
)

// loadZone looks a zone up in the tz database.
var loadZone = time.LoadLocation
