package sandbox

import "time"

// SetWatchEvery makes the watchdog look more often, so limit tests end sooner.
func SetWatchEvery(d time.Duration) { watchEvery = d }
