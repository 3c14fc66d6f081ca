package sandbox

import "time"

// SetWatchEvery makes the watchdog look more often, so limit tests end sooner.
func SetWatchEvery(d time.Duration) { watchEvery = d }

// Relay is the bridge's forwarding of one connection to the egress socket (benchmarks).
var Relay = relay
