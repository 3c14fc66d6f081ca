package webhook

// The quick path, for its property test.
var (
	QuickIgnore      = quickIgnore
	QuickIgnoreTexts = quickIgnoreTexts
)
