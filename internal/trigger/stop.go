package trigger

import (
	"regexp"
	"strings"
)

var stopWords = regexp.MustCompile(`^(please )?(stop|cancel)( (it|this|that|now|please))*$`)

// IsStopRequest reports whether a note only asks the bot to stop: "@claude stop", "@claude
// cancel", "@claude please stop!". A sentence that merely contains the word ("@claude why did
// the build stop?") is a question, not a stop.
func IsStopRequest(text string) bool {
	s := requestWords(text)
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\n' || r == '\t' || r == '!' || r == '.' || r == ','
	}), " ")
	return stopWords.MatchString(s)
}
