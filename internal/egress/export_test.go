package egress

// AllowPrivate lets a test's allowlist reach 127.0.0.1: the control run that shows the tunnel
// itself carries the data.
func AllowPrivate(c *Config) { c.allowPrivate = true }
